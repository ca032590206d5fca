import Foundation
import HostSupport
import TestSupport
import Testing

struct HookCommandTests {
    @Test func theEventReachesTheCommandThroughItsEnvironment() async throws {
        let out = NSTemporaryDirectory() + "hook-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let outcome = await HookCommand("printf '%s' \"$BLEAGENT_DATE\" > \(out)").run(environment: ["BLEAGENT_DATE": "2026-12-03"])
        #expect(outcome == .succeeded)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "2026-12-03")
        #expect(await HookCommand("exit 3").run(environment: [:]) == .failed(3))
    }

    @Test func aCommandThatIgnoresSIGTERMIsKilledAfterTheGrace() async throws {
        let marker = NSTemporaryDirectory() + "hook-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // Ignores SIGTERM, then writes its pid and waits: only SIGKILL ends it.
        let command = "trap '' TERM; echo $$ > \(marker); while :; do sleep 0.1; done"
        let outcome = await HookCommand(command, timeout: .milliseconds(500), grace: .milliseconds(300)).run(environment: [:])
        #expect(outcome == .timedOut)
        let pid = try #require(Int32(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the command still runs")
    }
}
