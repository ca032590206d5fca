@testable import NotificationServer
import Synchronization
import Testing

/// The guessing budget holds under a burst, gives back what was not a failed guess, and counts an
/// IPv6 client by its /64.
struct AttemptThrottleTests {
    let now: Int64 = 1_764_072_000

    final class Counter: Sendable {
        let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
    }

    /// 900 wrong guesses at once from 900 addresses against a budget of 100: each is admitted,
    /// verified (a suspension point: the database) and fails. Charged only after verification, the
    /// whole burst got through before the first failure counted.
    @Test func aBurstOfWrongGuessesIsAdmittedOnlyUpToTheBudget() async {
        let throttle = AttemptThrottle(limits: .init(perClient: 10, globalFailures: 100))
        let admitted = Counter()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<900 {
                group.addTask {
                    guard await throttle.attempt(client: "192.0.2.\(index % 250)/\(index)", now: now) == .allowed else { return }
                    admitted.add()
                    await Task.yield()   // verifying; the number is wrong: nothing is refunded
                }
            }
        }
        let verified = admitted.value.withLock { $0 }
        print("900 concurrent wrong guesses, budget 100: \(verified) admitted to verification")
        #expect(verified == 100)
        #expect(await throttle.attempt(client: "198.51.100.1", now: now + 60) == .wait(3_540))
        #expect(await throttle.attempt(client: "198.51.100.1", now: now + 3_601) == .allowed)
    }

    @Test func whatWasNotAFailedGuessIsRefunded() async {
        let throttle = AttemptThrottle(limits: .init(perClient: 1_000, globalFailures: 5))
        for index in 0..<50 {
            #expect(await throttle.attempt(client: "c\(index)", now: now) == .allowed)
            await throttle.refund(admittedAt: now)   // registered
        }
        // Log uploads never touch the failure budget.
        for index in 0..<50 { #expect(await throttle.attempt(client: "log\(index)", now: now, verifies: false) == .allowed) }
        for index in 0..<5 { #expect(await throttle.attempt(client: "w\(index)", now: now) == .allowed) }
        #expect(await throttle.attempt(client: "late", now: now) != .allowed)
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() {
        let key = ServerRequestContext.clientKey(address:)
        #expect(key("2001:db8:1:2:aaaa::1") == key("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        #expect(key("2001:db8:1:2::1") != key("2001:db8:1:3::1"))
        #expect(key("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(key("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(key("192.0.2.7") == "192.0.2.7")
    }
}
