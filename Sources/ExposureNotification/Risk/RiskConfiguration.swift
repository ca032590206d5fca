/// The risk model: how scan instances become weighted seconds, and when a day is a contact day.
/// GAEN v2's ExposureWindow scoring; presets for COCOA 2.x (the default) and the classic
/// "1 m / 15 min". A JSON file of the same shape (snake_case keys) defines a custom model.
public struct RiskConfiguration: Hashable, Sendable, Codable {
    public var name: String
    /// Upper bounds (dB, inclusive) of typical attenuation for the immediate, near and medium
    /// buckets, ascending; anything above the last is "other".
    public var attenuationThresholds: [Int]
    /// Weights of the immediate, near, medium and other buckets.
    public var attenuationWeights: [Double]
    /// Days since onset (inclusive ranges) mapped to high or standard infectiousness; other days are none.
    public var highInfectiousnessDays: [ClosedRange<Int>]
    public var standardInfectiousnessDays: [ClosedRange<Int>]
    /// For keys without days since onset (COCOA's files carry none).
    public var infectiousnessWhenMissing: Infectiousness
    public var highInfectiousnessWeight: Double
    public var standardInfectiousnessWeight: Double
    /// Weights by report type: confirmed test, clinical diagnosis, self report, recursive. Revoked keys never count.
    public var reportTypeWeights: [Double]
    /// For keys without a report type (or UNKNOWN).
    public var reportTypeWhenMissing: ReportType
    /// Seconds a single scan instance may stand for at most.
    public var maximumSecondsPerScan: Int
    /// A day is a contact day when its windows' weighted seconds reach this…
    public var minimumDailyScore: Double
    /// …and the seconds of its counted windows reach this.
    public var minimumDailySeconds: Int
    /// dB added to measured RSSI before attenuation (per-device calibration).
    public var rssiCorrection: Int

    /// COCOA 2.x as shipped (its public configuration.json / risk_calculation_configuration.json):
    /// buckets ≤ 46 / ≤ 60 / ≤ 65 / other dB weighted 1.0 / 2.5 / 1.3 / 0.01 — not monotonic, kept as
    /// shipped — infectiousness high for −3…+10 days since onset (and when absent), none otherwise;
    /// a day counts at 1350 weighted seconds and 900 seconds.
    public static let cocoa = RiskConfiguration(
        name: "cocoa", attenuationThresholds: [46, 60, 65], attenuationWeights: [1.0, 2.5, 1.3, 0.01],
        highInfectiousnessDays: [-3...10], standardInfectiousnessDays: [], infectiousnessWhenMissing: .high,
        highInfectiousnessWeight: 1.0, standardInfectiousnessWeight: 1.0, reportTypeWeights: [1.0, 1.0, 1.0, 1.0],
        reportTypeWhenMissing: .confirmedTest, maximumSecondsPerScan: 600, minimumDailyScore: 1350,
        minimumDailySeconds: 900, rssiCorrection: 0)

    /// The classic public-health definition: about 1 metre (typical attenuation ≤ 55 dB) for at
    /// least 15 minutes in a day; nothing farther counts. COCOA's model with these changes.
    public static let classic: RiskConfiguration = {
        var model = cocoa
        model.name = "classic-1m-15min"
        model.attenuationThresholds = [55, 63, 70]
        model.attenuationWeights = [1.0, 0.0, 0.0, 0.0]
        model.highInfectiousnessDays = [-14...14]
        model.minimumDailyScore = 900
        return model
    }()

    public static let presets: [RiskConfiguration] = [.cocoa, .classic]

    public static func preset(named name: String) -> RiskConfiguration? {
        presets.first { $0.name == name } ?? (name == "default" ? .cocoa : nil)
    }

    public init(name: String, attenuationThresholds: [Int], attenuationWeights: [Double],
                highInfectiousnessDays: [ClosedRange<Int>], standardInfectiousnessDays: [ClosedRange<Int>],
                infectiousnessWhenMissing: Infectiousness, highInfectiousnessWeight: Double,
                standardInfectiousnessWeight: Double, reportTypeWeights: [Double], reportTypeWhenMissing: ReportType,
                maximumSecondsPerScan: Int, minimumDailyScore: Double, minimumDailySeconds: Int, rssiCorrection: Int) {
        self.name = name
        self.attenuationThresholds = attenuationThresholds
        self.attenuationWeights = attenuationWeights
        self.highInfectiousnessDays = highInfectiousnessDays
        self.standardInfectiousnessDays = standardInfectiousnessDays
        self.infectiousnessWhenMissing = infectiousnessWhenMissing
        self.highInfectiousnessWeight = highInfectiousnessWeight
        self.standardInfectiousnessWeight = standardInfectiousnessWeight
        self.reportTypeWeights = reportTypeWeights
        self.reportTypeWhenMissing = reportTypeWhenMissing
        self.maximumSecondsPerScan = maximumSecondsPerScan
        self.minimumDailyScore = minimumDailyScore
        self.minimumDailySeconds = minimumDailySeconds
        self.rssiCorrection = rssiCorrection
    }

    // MARK: - The model's parts

    /// Whether a scan at `typicalAttenuation` counts at all: within the last threshold (not GAEN's
    /// "other" bucket) and in a bucket of non-zero weight.
    public func isInRange(typicalAttenuation: Int) -> Bool {
        guard let last = attenuationThresholds.last, typicalAttenuation <= last else { return false }
        return attenuationWeight(typicalAttenuation: typicalAttenuation) > 0
    }

    /// Weight of a scan's typical attenuation.
    public func attenuationWeight(typicalAttenuation: Int) -> Double {
        for (bucket, threshold) in attenuationThresholds.enumerated() where typicalAttenuation <= threshold {
            return attenuationWeights[bucket]
        }
        return attenuationWeights[attenuationThresholds.count]
    }

    public func infectiousness(daysSinceOnset: Int32?) -> Infectiousness {
        guard let days = daysSinceOnset.map(Int.init) else { return infectiousnessWhenMissing }
        if highInfectiousnessDays.contains(where: { $0.contains(days) }) { return .high }
        if standardInfectiousnessDays.contains(where: { $0.contains(days) }) { return .standard }
        return .none
    }

    public func weight(of infectiousness: Infectiousness) -> Double {
        switch infectiousness {
        case .none: 0
        case .standard: standardInfectiousnessWeight
        case .high: highInfectiousnessWeight
        }
    }

    /// The report type a key is treated as (missing or UNKNOWN → `reportTypeWhenMissing`).
    public func effectiveReportType(_ type: ReportType?) -> ReportType {
        guard let type, type != .unknown else { return reportTypeWhenMissing }
        return type
    }

    public func weight(of reportType: ReportType) -> Double {
        switch reportType {
        case .confirmedTest: reportTypeWeights[0]
        case .confirmedClinicalDiagnosis: reportTypeWeights[1]
        case .selfReport: reportTypeWeights[2]
        case .recursive: reportTypeWeights[3]
        case .revoked, .unknown: 0
        }
    }

    // MARK: - Validation

    public struct InvalidConfiguration: Error, Equatable, CustomStringConvertible {
        public var key: String
        public var expected: String
        public var description: String { "risk configuration \(key): expected \(expected)" }
    }

    /// Checks the shape and ranges; a custom file that fails is refused with the key it got wrong.
    public func validate() throws(InvalidConfiguration) {
        guard attenuationThresholds.count == 3, attenuationThresholds == attenuationThresholds.sorted(),
              attenuationThresholds.allSatisfy({ (0...255).contains($0) }) else {
            throw InvalidConfiguration(key: "attenuation_thresholds", expected: "3 ascending dB values in 0…255")
        }
        guard attenuationWeights.count == 4, attenuationWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw InvalidConfiguration(key: "attenuation_weights", expected: "4 non-negative numbers (immediate, near, medium, other)")
        }
        for (key, ranges) in [("high_infectiousness_days", highInfectiousnessDays), ("standard_infectiousness_days", standardInfectiousnessDays)]
        where !ranges.allSatisfy({ $0.lowerBound >= -14 && $0.upperBound <= 14 }) {
            throw InvalidConfiguration(key: key, expected: "ranges [from, to] within −14…14")
        }
        guard highInfectiousnessWeight >= 0, standardInfectiousnessWeight >= 0,
              highInfectiousnessWeight.isFinite, standardInfectiousnessWeight.isFinite else {
            throw InvalidConfiguration(key: "infectiousness_weights", expected: "non-negative numbers")
        }
        guard reportTypeWeights.count == 4, reportTypeWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw InvalidConfiguration(key: "report_type_weights", expected: "4 non-negative numbers (confirmed_test, confirmed_clinical_diagnosis, self_report, recursive)")
        }
        guard reportTypeWhenMissing != .unknown, reportTypeWhenMissing != .revoked else {
            throw InvalidConfiguration(key: "report_type_when_missing", expected: "confirmed_test, confirmed_clinical_diagnosis, self_report or recursive")
        }
        guard (1...3600).contains(maximumSecondsPerScan) else {
            throw InvalidConfiguration(key: "maximum_seconds_per_scan", expected: "1…3600")
        }
        guard minimumDailyScore >= 0, minimumDailyScore.isFinite, minimumDailySeconds >= 0 else {
            throw InvalidConfiguration(key: "minimum_daily_score / minimum_daily_seconds", expected: "non-negative numbers")
        }
        guard (-100...100).contains(rssiCorrection) else {
            throw InvalidConfiguration(key: "rssi_correction", expected: "−100…100 dB")
        }
    }

    // MARK: - JSON

    enum CodingKeys: String, CodingKey {
        case name
        case attenuationThresholds = "attenuation_thresholds"
        case attenuationWeights = "attenuation_weights"
        case highInfectiousnessDays = "high_infectiousness_days"
        case standardInfectiousnessDays = "standard_infectiousness_days"
        case infectiousnessWhenMissing = "infectiousness_when_missing"
        case highInfectiousnessWeight = "high_infectiousness_weight"
        case standardInfectiousnessWeight = "standard_infectiousness_weight"
        case reportTypeWeights = "report_type_weights"
        case reportTypeWhenMissing = "report_type_when_missing"
        case maximumSecondsPerScan = "maximum_seconds_per_scan"
        case minimumDailyScore = "minimum_daily_score"
        case minimumDailySeconds = "minimum_daily_seconds"
        case rssiCorrection = "rssi_correction"
    }

    /// Missing keys take the COCOA default's value, so a file need only say what it changes.
    public init(from decoder: any Decoder) throws {
        let base = RiskConfiguration.cocoa
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func ranges(_ key: CodingKeys, _ fallback: [ClosedRange<Int>]) throws -> [ClosedRange<Int>] {
            guard let pairs = try c.decodeIfPresent([[Int]].self, forKey: key) else { return fallback }
            return try pairs.map { pair in
                guard pair.count == 2, pair[0] <= pair[1] else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "each range must be [from, to] with from ≤ to")
                }
                return pair[0]...pair[1]
            }
        }
        func reportType(_ key: CodingKeys, _ fallback: ReportType) throws -> ReportType {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return fallback }
            guard let type = ReportType(name: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown report type \"\(text)\"")
            }
            return type
        }
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "custom",
            attenuationThresholds: try c.decodeIfPresent([Int].self, forKey: .attenuationThresholds) ?? base.attenuationThresholds,
            attenuationWeights: try c.decodeIfPresent([Double].self, forKey: .attenuationWeights) ?? base.attenuationWeights,
            highInfectiousnessDays: try ranges(.highInfectiousnessDays, base.highInfectiousnessDays),
            standardInfectiousnessDays: try ranges(.standardInfectiousnessDays, base.standardInfectiousnessDays),
            infectiousnessWhenMissing: try c.decodeIfPresent(Infectiousness.self, forKey: .infectiousnessWhenMissing) ?? base.infectiousnessWhenMissing,
            highInfectiousnessWeight: try c.decodeIfPresent(Double.self, forKey: .highInfectiousnessWeight) ?? base.highInfectiousnessWeight,
            standardInfectiousnessWeight: try c.decodeIfPresent(Double.self, forKey: .standardInfectiousnessWeight) ?? base.standardInfectiousnessWeight,
            reportTypeWeights: try c.decodeIfPresent([Double].self, forKey: .reportTypeWeights) ?? base.reportTypeWeights,
            reportTypeWhenMissing: try reportType(.reportTypeWhenMissing, base.reportTypeWhenMissing),
            maximumSecondsPerScan: try c.decodeIfPresent(Int.self, forKey: .maximumSecondsPerScan) ?? base.maximumSecondsPerScan,
            minimumDailyScore: try c.decodeIfPresent(Double.self, forKey: .minimumDailyScore) ?? base.minimumDailyScore,
            minimumDailySeconds: try c.decodeIfPresent(Int.self, forKey: .minimumDailySeconds) ?? base.minimumDailySeconds,
            rssiCorrection: try c.decodeIfPresent(Int.self, forKey: .rssiCorrection) ?? base.rssiCorrection)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(attenuationThresholds, forKey: .attenuationThresholds)
        try c.encode(attenuationWeights, forKey: .attenuationWeights)
        try c.encode(highInfectiousnessDays.map { [$0.lowerBound, $0.upperBound] }, forKey: .highInfectiousnessDays)
        try c.encode(standardInfectiousnessDays.map { [$0.lowerBound, $0.upperBound] }, forKey: .standardInfectiousnessDays)
        try c.encode(infectiousnessWhenMissing, forKey: .infectiousnessWhenMissing)
        try c.encode(highInfectiousnessWeight, forKey: .highInfectiousnessWeight)
        try c.encode(standardInfectiousnessWeight, forKey: .standardInfectiousnessWeight)
        try c.encode(reportTypeWeights, forKey: .reportTypeWeights)
        try c.encode(reportTypeWhenMissing.name, forKey: .reportTypeWhenMissing)
        try c.encode(maximumSecondsPerScan, forKey: .maximumSecondsPerScan)
        try c.encode(minimumDailyScore, forKey: .minimumDailyScore)
        try c.encode(minimumDailySeconds, forKey: .minimumDailySeconds)
        try c.encode(rssiCorrection, forKey: .rssiCorrection)
    }
}
