import ContactStore
import ExposureNotification
import Foundation
import HostSupport
import Logging

/// Tells the user about a new contact day, once per day: a journal entry with a fixed MESSAGE_ID,
/// a `ContactDay` signal on the agent's D-Bus interface (which `bleagent notify --follow` turns into
/// a desktop notification), and the configured hook command. The journal entry says only that there
/// is a new notice and how to see it: the journal outlives the 14 days and is read by more accounts
/// (adm, systemd-journal) than may see contact days, so it holds no date and no count. The signal
/// reaches only root and the bleagent group; the hook is the owner's own command.
///
/// `forgotten` tells the companion that every record was deleted (the `Forgotten` signal), so it
/// deletes what it keeps of the notices it showed.
struct ContactNotifier: Sendable {
    /// MESSAGE_ID of contact notices, so `journalctl MESSAGE_ID=…` finds them.
    static let messageID = "3f9a0c2b6e7d4b1a9c5e8f2d7a6b4c13"
    /// Every notice's text starts with one of these (its English or Japanese title); operation logs leave such lines out.
    static let noticeMarkers = Language.allCases.map { NoticeText.summary.text($0) }

    let journal: JournalSocket?
    let logger: Logger
    let hook: String?
    let signal: @Sendable (ContactDayRecord) -> Void
    var forgotten: @Sendable () -> Void = {}
    /// The language of the journal entry's MESSAGE, which a person reads (the daemon's locale: on a
    /// Japanese system, systemd gives services its LANG). The daemon's other log lines stay English.
    var language: Language = .english

    /// The journal's text: the same for every notice.
    static func journalText(_ language: Language) -> String { NoticeText.journal.text(language) }

    func notify(_ day: ContactDayRecord) async {
        let text = Self.journalText(language)
        let fields: [(String, String)] = [("MESSAGE", text), ("MESSAGE_ID", Self.messageID), ("PRIORITY", "4"), ("SYSLOG_IDENTIFIER", "bleagent")]
        if journal?.send(fields) != true { logger.warning("\(text)", metadata: ["message_id": "\(Self.messageID)"]) }
        signal(day)
        if let hook { await runHook(hook, day: day) }
    }

    private func runHook(_ command: String, day: ContactDayRecord) async {
        let outcome = await HookCommand(command).run(environment: [
            "BLEAGENT_DATE": day.day.iso8601, "BLEAGENT_CONTACTS": "\(day.windows)", "BLEAGENT_MINUTES": "\(day.minutes)",
        ])
        switch outcome {
        case .succeeded: break
        case .couldNotStart(let why): logger.error("notify hook could not start: \(why)")
        case .timedOut: logger.error("notify hook ran longer than 30 s and was stopped")
        case .failed(let status): logger.error("notify hook exited with \(status)")
        }
    }
}
