import Foundation

/// The agent's notion of time: real time, or real time sped up around a fixed origin so that tests
/// and demos see 10-minute identifier intervals in seconds. Every process of a scenario given the
/// same origin and speed agrees on the time. Radio time (scan windows, advertising intervals) is
/// never accelerated: callers convert with `realSeconds(for:)` / `simulatedSeconds(for:)`.
public struct AgentClock: Sendable, Hashable {
    /// Unix seconds where simulated and real time coincide.
    public var origin: Double
    /// Simulated seconds per real second (1 = real time).
    public var speed: Double
    /// Seconds added to the result: a test runs one step "tomorrow" (e.g. the server's export of
    /// keys embargoed until after their day) without waiting for it.
    public var offset: Double

    public init(origin: Double = 0, speed: Double = 1, offset: Double = 0) {
        self.origin = origin
        self.speed = max(speed, 1e-6)
        self.offset = offset
    }

    public static let real = AgentClock()

    /// Simulated unix seconds now.
    public func now() -> Double {
        let real = Date().timeIntervalSince1970
        return (speed == 1 ? real : origin + (real - origin) * speed) + offset
    }

    public func realSeconds(for simulated: Double) -> Double { simulated / speed }
    public func simulatedSeconds(for real: Double) -> Double { real * speed }

    /// The largest offset and origin accepted (about 100 years of seconds), and the largest speed:
    /// beyond them the time is no date any code can use (a Unix time in milliseconds overflows).
    public static let maximumSeconds: Double = 3_155_760_000
    public static let maximumSpeed: Double = 100_000

    /// Parses `speed=60,origin=1764000000,offset=86400` (each part optional), as `--clock` and
    /// the configuration files' `clock` take it; nil for anything else, or for values outside
    /// 0 < speed ≤ 100,000, 0 ≤ origin ≤ 100 years, |offset| ≤ 100 years.
    public init?(specification: String) {
        var origin = 0.0, speed = 1.0, offset = 0.0
        for part in specification.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1]), value.isFinite else { return nil }
            switch pair[0] {
            case "speed": guard value > 0, value <= Self.maximumSpeed else { return nil }; speed = value
            case "origin": guard value >= 0, value <= Self.maximumSeconds else { return nil }; origin = value
            case "offset": guard abs(value) <= Self.maximumSeconds else { return nil }; offset = value
            default: return nil
            }
        }
        self.init(origin: origin, speed: speed, offset: offset)
    }
}
