import ExposureNotification

/// An hour of records, all encrypted under one key. When the hour is more than 14 days old its key
/// is destroyed, so no record outlives 14 days by more than an hour plus the expiry period.
public struct Epoch: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public static let seconds: Int64 = 3600
    /// How long records are kept: COCOA's 14 days (`ContactJudgement.retentionDays`, the one constant).
    public static let retentionSeconds = Int64(ContactJudgement.retentionDays) * 86_400
    /// How far ahead of the clock a record may be stamped before it is treated as a clock error.
    public static let futureToleranceSeconds: Int64 = 86_400

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The epoch containing `unixSeconds`; `nil` before 1970.
    public init?(unixSeconds: Int64) {
        guard unixSeconds >= 0, let raw = UInt32(exactly: unixSeconds / Self.seconds) else { return nil }
        rawValue = raw
    }

    public var start: Int64 { Int64(rawValue) * Self.seconds }
    public var end: Int64 { start + Self.seconds }
    public var day: ExposureDay { ExposureDay(unixSeconds: start) }

    /// Whether the store must have forgotten this epoch at `now`: it ended more than 14 days ago, or
    /// it lies more than a day in the future (records stamped by a clock that has since been set back).
    public func isExpired(at now: Int64) -> Bool {
        end <= now - Self.retentionSeconds || start > now + Self.futureToleranceSeconds
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "epoch \(rawValue)" }
}
