import Foundation
import Logging

/// swift-log → journald's native protocol (one datagram of `FIELD=value` lines to
/// /run/systemd/journal/socket) with the level as PRIORITY and the program as SYSLOG_IDENTIFIER, so
/// `journalctl -p err -t bleagent-server` finds the errors; stderr where there is no journal. Shared by
/// the agent ("bleagent") and the server ("bleagent-server"). Messages never carry RPIs, keys,
/// addresses, processing numbers or passwords: callers log events and counts only.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    /// SYSLOG_IDENTIFIER, and the prefix of lines on stderr.
    public let identifier: String
    let journal: JournalSocket?
    let fallback: @Sendable (String) -> Void

    public init(label: String, identifier: String, journal: JournalSocket? = JournalSocket.system) {
        self.init(label: label, identifier: identifier, journal: journal) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// `fallback` receives each line (newline included) that no journal took.
    init(label: String, identifier: String, journal: JournalSocket?, fallback: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.identifier = identifier
        self.journal = journal
        self.fallback = fallback
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = fields(level: event.level, message: event.message, metadata: event.metadata)
        if let journal, journal.send(fields) { return }
        let rest = fields.dropFirst(3).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        fallback("\(identifier)[\(event.level)]: \(event.message)\(rest.isEmpty ? "" : " (\(rest))")\n")
    }

    /// The journal entry: MESSAGE, PRIORITY and SYSLOG_IDENTIFIER first, then the metadata.
    func fields(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?) -> [(String, String)] {
        var fields = [("MESSAGE", message.description), ("PRIORITY", "\(Self.priority(level))"), ("SYSLOG_IDENTIFIER", identifier)]
        let merged = metadata.merging(extra ?? [:], uniquingKeysWith: { $1 })
        for key in merged.keys.sorted() {
            if let value = merged[key] { fields.append((Self.fieldName(key), "\(value)")) }
        }
        return fields
    }

    /// syslog(3) priorities, which `journalctl -p` filters on.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Journal field names: upper case letters, digits and underscores, not starting with "_".
    static func fieldName(_ key: String) -> String {
        let upper = String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return upper.hasPrefix("_") ? "X" + upper : upper
    }
}
