@testable import BLEAgent
import Testing
import TestSupport

struct DownloadScheduleTests {
    let hour = 3600.0
    var schedule: DownloadSchedule { DownloadSchedule(interval: 4 * hour, jitter: 30 * 60) }

    @Test func aRoundThatReachedEverySourceIsFollowedAfterTheIntervalPlusJitter() {
        var random = SeededGenerator(seed: 1)
        var waits: [Double] = []
        for _ in 0..<200 {
            var plan = schedule
            plan.roundEnded(at: 1_000, failed: false, using: &random)
            #expect(plan.last == 1_000 && plan.failures == 0)
            waits.append((plan.next ?? 0) - 1_000)
        }
        #expect(waits.allSatisfy { $0 >= 4 * hour && $0 <= 4 * hour + 1_800 })
        // Spread over the jitter, not one value: agents started together do not ask together.
        #expect((waits.max() ?? 0) - (waits.min() ?? 0) > 1_500)
    }

    @Test func failuresBackOff1_2_4MinutesWithJitterUpToTheInterval() {
        var random = SeededGenerator(seed: 2)
        var plan = schedule
        var waits: [Double] = []
        for round in 0..<12 {
            let now = Double(round) * 100_000
            plan.roundEnded(at: now, failed: true, using: &random)
            waits.append((plan.next ?? 0) - now)
        }
        for (index, wait) in waits.prefix(6).enumerated() {
            let nominal = 60 * Double(1 << index)
            #expect(wait >= nominal * 0.8 && wait <= nominal * 1.2, "failure \(index + 1): waited \(wait) s")
        }
        #expect(waits.allSatisfy { $0 <= 4 * hour })
        #expect(waits.last == 4 * hour)
        // A round that works resets the backoff.
        plan.roundEnded(at: 0, failed: false, using: &random)
        plan.roundEnded(at: 0, failed: true, using: &random)
        #expect((plan.next ?? 0) <= 72)
    }

    @Test func aRestartGoesOnFromTheOldestSourcesLastSuccess() {
        var random = SeededGenerator(seed: 3)
        var plan = schedule
        plan.resume(lastSuccesses: [10_000, 5_000], at: 6_000, using: &random)
        #expect(plan.last == 5_000)
        #expect((plan.next ?? 0) >= 5_000 + 4 * hour && (plan.next ?? 0) <= 5_000 + 4 * hour + 1_800)
        // Long down: due at once, not in the past.
        plan.resume(lastSuccesses: [5_000], at: 100_000, using: &random)
        #expect(plan.next == 100_000 && plan.isDue(at: 100_000))
        // A source never reached, no sources, or a success "in the future" (clock stepped back): at once.
        for successes: [Int64?] in [[5_000, nil], [], [200_000]] {
            var fresh = schedule
            fresh.resume(lastSuccesses: successes, at: 100_000, using: &random)
            #expect(fresh.next == 100_000, "\(successes)")
        }
    }

    @Test func aClockSteppedBackFarIsPlannedFromTheNewNow() {
        var random = SeededGenerator(seed: 4)
        var plan = schedule
        plan.roundEnded(at: 1_000_000, failed: false, using: &random)
        // A small step back (within what a plan reaches): left alone.
        #expect(!plan.correctForClockStep(at: 1_000_000 - 60, using: &random))
        // Two days back: replanned from then, within one interval + jitter.
        let earlier = 1_000_000 - 2 * 86_400.0
        #expect(plan.correctForClockStep(at: earlier, using: &random))
        #expect((plan.wait(at: earlier) ?? .infinity) <= 4 * hour + 1_800)
        #expect(plan.last == 1_000_000)
    }

    @Test func withoutConsentNothingIsDue() {
        var random = SeededGenerator(seed: 5)
        var plan = schedule
        #expect(!plan.isDue(at: 0) && plan.wait(at: 0) == nil)
        plan.planNow(at: 50)
        #expect(plan.isDue(at: 50) && plan.wait(at: 50) == 0)
        plan.roundEnded(at: 60, failed: true, using: &random)
        plan.stop()
        #expect(!plan.isDue(at: 1e12) && plan.failures == 0)
    }
}
