import AgentTime
@testable import BlueZ
import Foundation
import Synchronization
import TestSupport
import TestSupport
import Testing

/// The radio loop's timer: one wake-up per deadline, none without one.
struct DeadlineTimerTests {
    final class Fired: Sendable {
        let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test func wakesOnceAtTheDeadlineAndNotAgainForTheSameOne() async throws {
        let fired = Fired()
        let timer = DeadlineTimer(clock: .real) { fired.add() }
        let due = AgentClock.real.now() + 0.2
        timer.arm(due)
        timer.arm(due)   // the same deadline again: still one wake-up
        await eventually { fired.value >= 1 }
        try await Task.sleep(for: .milliseconds(400))
        #expect(fired.value == 1 && timer.wakeUps == 1)
        #expect(AgentClock.real.now() >= due)
    }

    @Test func aLaterDeadlineReplacesAnEarlierOneAndCancelStopsIt() async throws {
        let fired = Fired()
        let timer = DeadlineTimer(clock: .real) { fired.add() }
        timer.arm(AgentClock.real.now() + 0.2)
        timer.arm(AgentClock.real.now() + 30)
        try await Task.sleep(for: .milliseconds(500))
        #expect(fired.value == 0)
        timer.arm(nil)
        timer.arm(AgentClock.real.now() + 0.1)
        timer.cancel()
        try await Task.sleep(for: .milliseconds(400))
        #expect(fired.value == 0)
    }

    @Test func aPassedDeadlineIsRetriedNoFasterThanTheOldPoll() async throws {
        let fired = Fired()
        let timer = DeadlineTimer(clock: .real) { fired.add() }
        let started = ContinuousClock.now
        timer.arm(AgentClock.real.now() - 5)
        await eventually { fired.value >= 1 }
        #expect(ContinuousClock.now - started >= .milliseconds(250))
    }
}
