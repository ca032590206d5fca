import AgentTime
@testable import BLEAgent
import Testing

/// The clock is trusted only when synchronised (or when the configuration says the clock is kept
/// another way); an answer the system cannot give is a reason to wait, said as such.
struct TimeGateTests {
    @Test func onlyASynchronisedClockIsTrusted() async {
        let gate = TimeGate()
        #expect(await gate.waitingReason { .synchronized } == nil)
        #expect(await gate.waitingReason { .unsynchronized }?.contains("waiting for the system clock to be synchronised") == true)
        let unknown = await gate.waitingReason { .unknown(reason: "adjtimex: Operation not permitted") }
        #expect(unknown?.contains("Operation not permitted") == true && unknown?.contains("require_time_sync = false") == true)
        #expect(await TimeGate(required: false).waitingReason { .unsynchronized } == nil)
    }

    @Test func theKernelIsAskedWithoutPrivilege() {
        // Whatever this machine's state, reading it must not fail as an unprivileged call would.
        if case .unknown(let reason) = SystemClockSync.read() { Issue.record("\(reason)") }
    }
}
