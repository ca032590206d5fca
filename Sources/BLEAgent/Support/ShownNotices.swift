import Durability
import Foundation

/// The contact days this user's desktop companion has shown, so that a notice the daemon sent while
/// the companion was not running (logged out, machine asleep) is shown when it starts, and none twice.
/// One date a line in `$XDG_STATE_HOME/bleagent/notices-shown` (default ~/.local/state/…), 0600.
struct ShownNotices {
    let path: String

    static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ShownNotices {
        let state = environment["XDG_STATE_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return ShownNotices(path: state + "/bleagent/notices-shown")
    }

    var dates: Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map(String.init))
    }

    /// Remembers `date` (keeping only the last 15 days' worth of lines: days older are never listed again).
    /// False when the file cannot be written: the notice may then be shown again at the next start.
    @discardableResult
    func add(_ date: String) -> Bool {
        let kept = (dates.union([date])).sorted().suffix(15)
        do {
            try DurableFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: path, mode: 0o600)
            return true
        } catch {
            return false
        }
    }
}
