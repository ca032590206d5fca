import AgentTime
import Synchronization

/// Wakes the radio loop when the schedule next needs it (`RadioSchedule.nextDeadline`: the next
/// interval boundary, scan window start or end, retry) instead of polling. Re-armed after every
/// event the loop handles; a deadline already past (the schedule waiting on bluetoothd's reply)
/// is retried no faster than the old poll (4 Hz), and no sleep is longer than a minute, so a wall
/// clock that steps is noticed.
final class DeadlineTimer: Sendable {
    /// Shortest wait when the deadline has passed, and the longest wait, in real seconds.
    static let pastDeadlineDelay = 0.25
    static let longestSleep = 60.0

    private struct State {
        var due: Double?
        var task: Task<Void, Never>?
        var generation = 0
        var wakeUps = 0
    }

    private let clock: AgentClock
    private let fire: @Sendable () -> Void
    private let state = Mutex(State())

    init(clock: AgentClock, fire: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.fire = fire
    }

    /// Times the timer woke the loop.
    var wakeUps: Int { state.withLock { $0.wakeUps } }

    /// Wakes the loop at `due` (simulated unix seconds); nil: not at all. Re-arming for the deadline
    /// already waited for changes nothing.
    func arm(_ due: Double?) {
        state.withLock { state in
            if state.due == due, state.task != nil { return }
            state.task?.cancel()
            state.task = nil
            state.due = due
            state.generation += 1
            guard let due else { return }
            let remaining = clock.realSeconds(for: due - clock.now())
            let delay = remaining > 0 ? min(remaining + 0.005, Self.longestSleep) : Self.pastDeadlineDelay
            let generation = state.generation
            state.task = Task { [weak self] in
                try? await Task.sleep(for: .seconds(delay))
                guard !Task.isCancelled else { return }
                self?.fired(generation)
            }
        }
    }

    func cancel() {
        state.withLock { state in
            state.task?.cancel()
            state.task = nil
            state.due = nil
            state.generation += 1
        }
    }

    private func fired(_ generation: Int) {
        let current = state.withLock { state -> Bool in
            guard state.generation == generation else { return false }
            state.task = nil
            state.wakeUps += 1
            return true
        }
        if current { fire() }
    }
}
