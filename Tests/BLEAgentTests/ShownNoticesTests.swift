@testable import BLEAgent
import Foundation
import Testing

/// The desktop companion's record of the contact days it has shown.
struct ShownNoticesTests {
    @Test func remembersTheLastFifteenDaysAndSaysWhenItCannotWrite() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("shown-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let shown = ShownNotices.standard(environment: ["XDG_STATE_HOME": state])
        #expect(shown.dates.isEmpty)
        let days = (1...20).map { String(format: "2026-11-%02d", $0) }
        for day in days { #expect(shown.add(day)) }
        #expect(shown.add(days[19]))   // again: no second line
        #expect(shown.dates == Set(days.suffix(15)))
        let attributes = try FileManager.default.attributesOfItem(atPath: shown.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A path under a regular file cannot be created: false, so the companion warns.
        let blocked = ShownNotices(path: shown.path + "/notices-shown")
        #expect(!blocked.add(days[0]))
    }
}
