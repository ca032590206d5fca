/// When the daemon next asks the key servers. Pure: the time is passed in, randomness comes from the
/// generator the caller hands over (tests give a seeded one), nothing sleeps.
///
/// - After a round that reached every source: the interval plus up to `jitter` seconds, so agents
///   started together do not all ask at the same moment.
/// - After a failed round: 1, 2, 4 … minutes (±20 %, so agents that failed together do not retry
///   together), never more than the interval.
/// - After a restart: from the last round that reached every source (kept in the store), so restarts
///   do not make the agent ask at once each time; at once if a source was never reached.
/// - A clock set back further than any plan reaches: planned again from the new now.
struct DownloadSchedule: Sendable, Equatable {
    /// Seconds between rounds, and the most added at random.
    let interval: Double
    let jitter: Double
    /// When the next round is due (unix seconds); nil while there is no consent.
    private(set) var next: Double?
    /// When the last round ended (or, after a restart, the last that reached every source).
    private(set) var last: Double?
    /// Failed rounds in a row.
    private(set) var failures = 0

    init(interval: Double, jitter: Double) {
        self.interval = interval
        self.jitter = jitter
    }

    /// The first backoff, and the most a backoff doubles.
    static let firstRetry: Double = 60
    static let maximumDoublings = 12

    func isDue(at now: Double) -> Bool { next.map { now >= $0 } ?? false }

    /// Seconds until the next round (0 if due); nil when none is planned.
    func wait(at now: Double) -> Double? { next.map { max(0, $0 - now) } }

    /// A round as soon as possible (consent just given, a source never reached).
    mutating func planNow(at now: Double) { next = now }

    /// No rounds (consent withdrawn).
    mutating func stop() {
        next = nil
        failures = 0
    }

    /// A round ended at `now`: the next after the interval, or after the backoff if it failed.
    mutating func roundEnded(at now: Double, failed: Bool, using random: inout some RandomNumberGenerator) {
        last = now
        if failed {
            failures += 1
            let backoff = Self.firstRetry * Double(1 << min(failures - 1, Self.maximumDoublings))
            next = now + min(backoff * Double.random(in: 0.8...1.2, using: &random), interval)
        } else {
            planRegular(from: now, using: &random)
        }
    }

    /// After a restart: `lastSuccesses` holds, per source, when a round last reached it (nil: never).
    mutating func resume(lastSuccesses: [Int64?], at now: Double, using random: inout some RandomNumberGenerator) {
        var oldest = Int64.max
        for success in lastSuccesses {
            guard let success else { return planNow(at: now) }
            oldest = min(oldest, success)
        }
        guard !lastSuccesses.isEmpty, Double(oldest) <= now else { return planNow(at: now) }
        last = Double(oldest)
        planRegular(from: Double(oldest), using: &random)
        next = max(now, next ?? now)
    }

    /// If the clock went back so far that the plan lies beyond anything the schedule makes, plans
    /// again from `now`. Returns whether it did.
    mutating func correctForClockStep(at now: Double, using random: inout some RandomNumberGenerator) -> Bool {
        guard let due = next, due - now > interval + jitter + 60 else { return false }
        planRegular(from: now, using: &random)
        return true
    }

    private mutating func planRegular(from time: Double, using random: inout some RandomNumberGenerator) {
        failures = 0
        next = time + interval + Double.random(in: 0...jitter, using: &random)
    }
}
