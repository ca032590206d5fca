import Durability
import ExposureNotification
import Foundation

/// The contact days this user's desktop companion has shown, so that a notice the daemon sent while
/// the companion was not running (logged out, machine asleep) is shown when it starts, and none twice.
/// One date a line in `$XDG_STATE_HOME/bleagent/notices-shown` (default ~/.local/state/…), 0600;
/// dates past the 14 days are dropped, and the whole file goes when the daemon forgets.
struct ShownNotices {
    let path: String

    static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ShownNotices {
        let state = environment["XDG_STATE_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return ShownNotices(path: state + "/bleagent/notices-shown")
    }

    /// The dates shown that are within the kept period at `now` (14 days, as the store keeps them):
    /// older lines are dropped from the file as soon as it is read, so no date outlives the store's.
    func dates(now: Double) -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let all = Set(text.split(whereSeparator: \.isNewline).map(String.init))
        let kept = all.filter { Self.isKept($0, now: now) }
        if kept.count < all.count { _ = write(kept) }
        return kept
    }

    /// Remembers `date`. False when the file cannot be written: the notice may then be shown again
    /// at the next start.
    @discardableResult
    func add(_ date: String, now: Double) -> Bool {
        write(dates(now: now).union([date]).filter { Self.isKept($0, now: now) })
    }

    /// Forgets every date (the daemon's `Forgotten` signal: the user withdrew or forgot everything).
    func clear() {
        try? DurableFile.remove(path)
    }

    /// A date of the kept period, as `ContactDayNotice` accepts it (a line that is not a date is not kept).
    static func isKept(_ line: String, now: Double) -> Bool {
        guard let day = ExposureDay(iso8601: line) else { return false }
        return (-ContactJudgement.retentionDays...1).contains(day.days(since: ExposureDay(unixSeconds: Int64(now))))
    }

    private func write(_ dates: Set<String>) -> Bool {
        do {
            try DurableFile.write(Data(dates.sorted().map { $0 + "\n" }.joined().utf8), to: path, mode: 0o600)
            return true
        } catch {
            return false
        }
    }
}
