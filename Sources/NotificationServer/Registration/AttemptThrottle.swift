/// Limits registration attempts: an 8-digit number space is small, so guessing must be slow.
/// Per client (its IP address; an IPv6 client by its /64): at most `perClient` attempts in any
/// `window`. For everyone together: at most `globalFailures` failed verifications in any `window`;
/// past that, every registration waits (a deliberate trade: a guessing campaign delays honest
/// registrations by at most one window instead of succeeding). An admitted attempt is charged to
/// the failure budget when it is admitted and refunded when it turns out not to be a failed
/// verification: a burst of concurrent guesses cannot overshoot the budget while the first of
/// them are still being verified.
///
/// The counts live in the database (`attempts`), decided in one transaction per attempt that every
/// instance serialises on: N instances allow the budget once, not N times, and a restart forgets
/// nothing. Rows older than the window are deleted as attempts come in.
public struct AttemptThrottle: Sendable {
    public struct Limits: Sendable {
        public var perClient = 10
        public var globalFailures = 100
        public var window: Int64 = 3_600

        public init(perClient: Int = 10, globalFailures: Int = 100, window: Int64 = 3_600) {
            self.perClient = perClient
            self.globalFailures = globalFailures
            self.window = window
        }
    }

    /// One attempt as the database records it.
    public struct Attempt: Sendable, Equatable {
        /// What is throttled: "registration" or "log" (separate budgets).
        public var kind: String
        public var client: String
        public var now: Int64
        /// Charged to the global failure budget until refunded.
        public var charged: Bool
    }

    public enum Verdict: Sendable, Equatable {
        /// Counted under this id (for `refund`).
        case allowed(Int64)
        /// Seconds until an attempt would be allowed.
        case wait(Int64)
    }

    public let database: any ServerDatabase
    public let kind: String
    public let limits: Limits

    public init(database: any ServerDatabase, kind: String, limits: Limits) {
        self.database = database
        self.kind = kind
        self.limits = limits
    }

    /// Counts an attempt by `client` at `now` if allowed; one that `verifies` a number is charged to
    /// the failure budget until `refund` says it did not fail verification.
    public func attempt(client: String, now: Int64, verifies: Bool = true) async throws(ServerError) -> Verdict {
        try await database.admitAttempt(Attempt(kind: kind, client: client, now: now, charged: verifies), limits: limits)
    }

    /// The attempt did not fail verification (it registered, or never got as far as a number).
    public func refund(_ id: Int64) async throws(ServerError) {
        try await database.refundAttempt(id: id)
    }

    /// The decision both back-ends take inside their transaction, from the counts within the window
    /// (`failures`: charged attempts of this kind; `clientAttempts`: this client's) and the oldest
    /// time of each.
    static func verdict(failures: Int, oldestFailure: Int64?, clientAttempts: Int, oldestClientAttempt: Int64?,
                        now: Int64, limits: Limits) -> Verdict? {
        if failures >= limits.globalFailures, let oldestFailure {
            return .wait(max(1, oldestFailure + limits.window - now))
        }
        if clientAttempts >= limits.perClient, let oldestClientAttempt {
            return .wait(max(1, oldestClientAttempt + limits.window - now))
        }
        return nil
    }
}
