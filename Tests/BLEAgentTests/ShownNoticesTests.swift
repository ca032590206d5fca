@testable import BLEAgent
import ExposureNotification
import Foundation
import Testing

/// The desktop companion's record of the contact days it has shown: only the kept period's, and
/// nothing once the daemon forgets.
struct ShownNoticesTests {
    @Test func remembersOnlyTheKeptPeriodAndSaysWhenItCannotWrite() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("shown-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let shown = ShownNotices.standard(environment: ["XDG_STATE_HOME": state])
        let now = Double(ExposureDay(iso8601: "2026-11-20")!.unixSeconds + 3_600)
        #expect(shown.dates(now: now).isEmpty)
        let days = (1...20).map { String(format: "2026-11-%02d", $0) }
        for day in days { #expect(shown.add(day, now: now)) }
        #expect(shown.add(days[19], now: now))   // again: no second line
        // 2026-11-06 … 2026-11-20: the days a contact notice is accepted for (ContactDayNotice).
        #expect(shown.dates(now: now) == Set(days.suffix(15)))
        let attributes = try FileManager.default.attributesOfItem(atPath: shown.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Ten days later the file itself holds only the last five dates: reading it dropped the rest.
        #expect(shown.dates(now: now + 10 * 86_400) == Set(days.suffix(5)))
        let text = try String(contentsOfFile: shown.path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 5 && !text.contains("2026-11-15"))
        shown.clear()
        #expect(!FileManager.default.fileExists(atPath: shown.path))
        // A path under a regular file cannot be created: false, so the companion warns.
        _ = FileManager.default.createFile(atPath: shown.path, contents: Data())
        let blocked = ShownNotices(path: shown.path + "/notices-shown")
        #expect(!blocked.add(days[19], now: now))
    }
}
