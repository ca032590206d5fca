/// A GAEN interval number: the number of 10-minute intervals since the Unix epoch (UTC).
///
/// Time is always passed in; nothing here reads a clock.
public struct ENIntervalNumber: RawRepresentable, Hashable, Comparable, Sendable, Codable {
    public var rawValue: UInt32

    /// Seconds in one interval (10 minutes).
    public static let secondsPerInterval: Int64 = 600
    /// TEKRollingPeriod: intervals in one key's day (24 hours).
    public static let intervalsPerDay: UInt32 = 144

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The interval containing `unixSeconds`; `nil` before 1970 or after the year 2786 (UInt32 range).
    public init?(unixSeconds: Int64) {
        guard unixSeconds >= 0, let raw = UInt32(exactly: unixSeconds / Self.secondsPerInterval) else { return nil }
        self.rawValue = raw
    }

    /// Unix seconds at the start of this interval.
    public var unixSeconds: Int64 { Int64(rawValue) * Self.secondsPerInterval }

    /// The first interval of this interval's UTC day: where a TEK's validity starts.
    public var dayStart: ENIntervalNumber {
        ENIntervalNumber(rawValue: rawValue - rawValue % Self.intervalsPerDay)
    }

    /// The UTC day this interval falls in.
    public var day: ExposureDay { ExposureDay(daysSinceEpoch: Int32(rawValue / Self.intervalsPerDay)) }

    /// Position of this interval in its day, 0..<144.
    public var indexInDay: UInt32 { rawValue % Self.intervalsPerDay }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public func advanced(by intervals: Int) -> ENIntervalNumber? {
        guard let raw = UInt32(exactly: Int64(rawValue) + Int64(intervals)) else { return nil }
        return ENIntervalNumber(rawValue: raw)
    }
}
