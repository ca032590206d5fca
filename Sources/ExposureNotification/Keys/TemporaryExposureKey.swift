/// A Temporary Exposure Key (COCOA's "daily key"): 16 random bytes valid for `rollingPeriod`
/// intervals from `rollingStartIntervalNumber`, plus the optional fields a diagnosis-key file carries.
public struct TemporaryExposureKey: Hashable, Sendable {
    /// Intervals in a full key period (TEKRollingPeriod).
    public static let maximumRollingPeriod: UInt32 = 144

    public var keyData: Block16
    public var rollingStartIntervalNumber: ENIntervalNumber
    /// 1…144 intervals.
    public var rollingPeriod: UInt32
    /// Deprecated in GAEN v1.5+, still present in real files (COCOA's carry 0).
    public var transmissionRiskLevel: Int32?
    public var reportType: ReportType?
    /// −14…14 when present.
    public var daysSinceOnsetOfSymptoms: Int32?

    public init(keyData: Block16, rollingStartIntervalNumber: ENIntervalNumber,
                rollingPeriod: UInt32 = TemporaryExposureKey.maximumRollingPeriod,
                transmissionRiskLevel: Int32? = nil, reportType: ReportType? = nil,
                daysSinceOnsetOfSymptoms: Int32? = nil) {
        self.keyData = keyData
        self.rollingStartIntervalNumber = rollingStartIntervalNumber
        self.rollingPeriod = rollingPeriod
        self.transmissionRiskLevel = transmissionRiskLevel
        self.reportType = reportType
        self.daysSinceOnsetOfSymptoms = daysSinceOnsetOfSymptoms
    }

    /// A fresh key from the system CSPRNG, valid for the whole UTC day containing `interval`.
    public static func generate(for interval: ENIntervalNumber) -> TemporaryExposureKey {
        var rng = SystemRandomNumberGenerator()
        return generate(for: interval, using: &rng)
    }

    /// A fresh key from `generator` (tests pass a seeded one; production uses the system CSPRNG).
    public static func generate(for interval: ENIntervalNumber,
                                using generator: inout some RandomNumberGenerator) -> TemporaryExposureKey {
        let data = Block16(lo: generator.next(), hi: generator.next())
        return TemporaryExposureKey(keyData: data, rollingStartIntervalNumber: interval.dayStart)
    }

    /// The intervals this key is valid for.
    public var validIntervals: Range<UInt32> {
        let start = rollingStartIntervalNumber.rawValue
        return start..<(start &+ rollingPeriod)
    }

    /// Whether `interval` lies in this key's validity.
    public func isValid(at interval: ENIntervalNumber) -> Bool {
        validIntervals.contains(interval.rawValue)
    }

    /// The UTC day of the key's first interval.
    public var day: ExposureDay { rollingStartIntervalNumber.day }
}
