import Foundation
@testable import NotificationServer
import Synchronization
import TestSupport
import Testing

/// The guessing budget holds under a burst, across instances sharing a database and across a
/// restart, gives back what was not a failed guess, and counts an IPv6 client by its /64.
@Suite(.serialized) struct AttemptThrottleTests {
    let now: Int64 = 1_764_072_000

    /// The attempt's id when it was allowed; records `what` went wrong otherwise.
    func allowed(_ verdict: AttemptThrottle.Verdict, _ what: String) -> Int64? {
        guard case .allowed(let id) = verdict else {
            Issue.record("\(what): \(verdict)")
            return nil
        }
        return id
    }

    final class Counter: Sendable {
        let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
    }

    /// 900 wrong guesses at once from 900 addresses against a budget of 100, spread over three
    /// "instances" (three connections to one database): each is admitted, verified and fails.
    @Test(arguments: Backend.available) func aBurstOfWrongGuessesOverThreeInstancesIsAdmittedOnlyUpToTheBudget(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let first = try await backend.open(in: directory)
        let instances = [first, try await backend.open(again: first), try await backend.open(again: first)]
        let throttles = instances.map { AttemptThrottle(database: $0, kind: "registration", limits: .init(perClient: 10, globalFailures: 100)) }
        let admitted = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<900 {
                group.addTask {
                    guard case .allowed = try await throttles[index % 3].attempt(client: "192.0.2.\(index % 250)/\(index)", now: now) else { return }
                    admitted.add()
                }
            }
            try await group.waitForAll()
        }
        let verified = admitted.value.withLock { $0 }
        print("\(backend): 900 concurrent wrong guesses over 3 instances, budget 100: \(verified) admitted to verification")
        #expect(verified == 100)
        #expect(try await throttles[1].attempt(client: "198.51.100.1", now: now + 60) == .wait(3_540))
        // A restart forgets nothing: a new connection sees the same budget spent.
        let restarted = AttemptThrottle(database: try await backend.open(again: first), kind: "registration", limits: .init(perClient: 10, globalFailures: 100))
        #expect(try await restarted.attempt(client: "198.51.100.2", now: now + 61) == .wait(3_539))
        #expect(allowed(try await restarted.attempt(client: "198.51.100.1", now: now + 3_601), "a new window must admit again") != nil)
        await restarted.database.close()
        for database in instances { await database.close() }
    }

    @Test(arguments: Backend.available) func whatWasNotAFailedGuessIsRefunded(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let throttle = AttemptThrottle(database: database, kind: "registration", limits: .init(perClient: 1_000, globalFailures: 5))
        for index in 0..<50 {
            guard let id = allowed(try await throttle.attempt(client: "c\(index)", now: now), "attempt \(index)") else { return }
            try await throttle.refund(id)   // registered
        }
        // Log uploads have a budget of their own.
        let logs = AttemptThrottle(database: database, kind: "log", limits: .init(perClient: 5, globalFailures: 3))
        for index in 0..<3 { #expect(try await logs.attempt(client: "log\(index)", now: now) != .wait(3_600)) }
        #expect(try await logs.attempt(client: "log9", now: now) == .wait(3_600))
        for index in 0..<5 {
            #expect(allowed(try await throttle.attempt(client: "w\(index)", now: now), "guess \(index) within the budget") != nil)
        }
        #expect(try await throttle.attempt(client: "late", now: now) == .wait(3_600))
    }

    @Test(arguments: Backend.available) func aClientIsLimitedWithinTheWindow(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let throttle = AttemptThrottle(database: database, kind: "registration", limits: .init(perClient: 3, globalFailures: 1_000))
        for offset in 0..<3 {
            guard let id = allowed(try await throttle.attempt(client: "192.0.2.1", now: now + Int64(offset)), "attempt \(offset)") else { return }
            try await throttle.refund(id)
        }
        #expect(try await throttle.attempt(client: "192.0.2.1", now: now + 10) == .wait(3_590))
        #expect(allowed(try await throttle.attempt(client: "192.0.2.2", now: now + 10), "another client must not be limited") != nil)
        #expect(allowed(try await throttle.attempt(client: "192.0.2.1", now: now + 3_600), "the first attempt has left the window") != nil)
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
