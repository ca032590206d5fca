/// Limits registration attempts: an 8-digit number space is small, so guessing must be slow.
/// Per client (its IP address; an IPv6 client by its /64): at most `perClient` attempts in any
/// `window`. For everyone together: at most `globalFailures` failed verifications in any `window`;
/// past that, every registration waits (a deliberate trade: a guessing campaign delays honest
/// registrations by at most one window instead of succeeding). An admitted attempt is charged to
/// the failure budget when it is admitted and refunded when it turns out not to be a failed
/// verification: a burst of concurrent guesses cannot overshoot the budget while the first of
/// them are still being verified. Memory is bounded by `maximumClients`.
public actor AttemptThrottle {
    public struct Limits: Sendable {
        public var perClient = 10
        public var globalFailures = 100
        public var window: Int64 = 3_600
        public var maximumClients = 100_000

        public init(perClient: Int = 10, globalFailures: Int = 100, window: Int64 = 3_600) {
            self.perClient = perClient
            self.globalFailures = globalFailures
            self.window = window
        }
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Seconds until an attempt would be allowed.
        case wait(Int64)
    }

    let limits: Limits
    private var clients: [String: [Int64]] = [:]
    private var failures: [Int64] = []

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Counts an attempt by `client` at `now` if allowed. One that `verifies` a number is charged to
    /// the failure budget until `refund(admittedAt:)` says it did not fail verification.
    public func attempt(client: String, now: Int64, verifies: Bool = true) -> Verdict {
        let since = now - limits.window
        failures.removeAll { $0 <= since }
        if failures.count >= limits.globalFailures, let oldest = failures.first {
            return .wait(max(1, oldest + limits.window - now))
        }
        var times = clients[client, default: []]
        times.removeAll { $0 <= since }
        if times.count >= limits.perClient, let oldest = times.first {
            clients[client] = times
            return .wait(max(1, oldest + limits.window - now))
        }
        times.append(now)
        clients[client] = times
        if verifies { failures.append(now) }
        if clients.count > limits.maximumClients { prune(since: since) }
        return .allowed
    }

    /// An attempt admitted at `admittedAt` did not fail verification (it registered, or never got
    /// as far as a number): its charge goes back to the budget.
    public func refund(admittedAt: Int64) {
        if let index = failures.lastIndex(of: admittedAt) { failures.remove(at: index) }
    }

    private func prune(since: Int64) {
        clients = clients.filter { $0.value.contains { $0 > since } }
        // Still too many distinct clients within one window: forget the quietest half.
        if clients.count > limits.maximumClients {
            let keep = clients.sorted { ($0.value.last ?? 0) > ($1.value.last ?? 0) }.prefix(limits.maximumClients / 2)
            clients = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
