import ExposureNotification

/// A diagnosis key as `keys inspect --json` prints it and `keys export --keys` reads it.
/// Absent optional fields are omitted; `report_type` is the protobuf enum number (a name is accepted on input).
struct KeyJSON: Codable, Equatable {
    var keyData: String
    var rollingStartIntervalNumber: UInt32
    var rollingPeriod: UInt32?
    var transmissionRiskLevel: Int32?
    var reportType: Int32?
    var daysSinceOnsetOfSymptoms: Int32?
    var revised: Bool?

    /// Custom coding (a report type may be a name), so the keys are listed; `SnakeCaseJSON` spells them.
    enum CodingKeys: CodingKey {
        case keyData, rollingStartIntervalNumber, rollingPeriod, transmissionRiskLevel, reportType, daysSinceOnsetOfSymptoms, revised
    }

    init(_ key: TemporaryExposureKey, revised: Bool) {
        keyData = key.keyData.description
        rollingStartIntervalNumber = key.rollingStartIntervalNumber.rawValue
        rollingPeriod = key.rollingPeriod
        transmissionRiskLevel = key.transmissionRiskLevel
        reportType = key.reportType?.rawValue
        daysSinceOnsetOfSymptoms = key.daysSinceOnsetOfSymptoms
        self.revised = revised
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keyData = try c.decode(String.self, forKey: .keyData)
        rollingStartIntervalNumber = try c.decode(UInt32.self, forKey: .rollingStartIntervalNumber)
        rollingPeriod = try c.decodeIfPresent(UInt32.self, forKey: .rollingPeriod)
        transmissionRiskLevel = try c.decodeIfPresent(Int32.self, forKey: .transmissionRiskLevel)
        if let number = try? c.decodeIfPresent(Int32.self, forKey: .reportType) {
            reportType = number
        } else if let name = try? c.decodeIfPresent(String.self, forKey: .reportType) {
            guard let type = ReportType(name: name) else {
                throw DecodingError.dataCorruptedError(forKey: .reportType, in: c, debugDescription: "unknown report type \"\(name)\"")
            }
            reportType = type.rawValue
        } else if c.contains(.reportType), try !c.decodeNil(forKey: .reportType) {
            throw DecodingError.dataCorruptedError(forKey: .reportType, in: c,
                                                   debugDescription: "report_type must be a whole number (0…5) or a name such as \"CONFIRMED_TEST\"")
        }
        daysSinceOnsetOfSymptoms = try c.decodeIfPresent(Int32.self, forKey: .daysSinceOnsetOfSymptoms)
        revised = try c.decodeIfPresent(Bool.self, forKey: .revised)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(keyData, forKey: .keyData)
        try c.encode(rollingStartIntervalNumber, forKey: .rollingStartIntervalNumber)
        try c.encodeIfPresent(rollingPeriod, forKey: .rollingPeriod)
        try c.encodeIfPresent(transmissionRiskLevel, forKey: .transmissionRiskLevel)
        try c.encodeIfPresent(reportType, forKey: .reportType)
        try c.encodeIfPresent(daysSinceOnsetOfSymptoms, forKey: .daysSinceOnsetOfSymptoms)
        try c.encode(revised ?? false, forKey: .revised)
    }

    /// The key, or a message naming what is wrong with entry `index` (1-based in the message).
    func key(index: Int) throws -> TemporaryExposureKey {
        guard let data = Block16(hex: keyData) else {
            throw CLIError(.dataError, "key #\(index + 1): key_data must be 32 hex digits (16 bytes)")
        }
        var type: ReportType?
        if let reportType {
            guard let known = ReportType(rawValue: reportType) else {
                throw CLIError(.dataError, "key #\(index + 1): report_type \(reportType) is not 0…5")
            }
            type = known
        }
        return TemporaryExposureKey(keyData: data, rollingStartIntervalNumber: ENIntervalNumber(rawValue: rollingStartIntervalNumber),
                                    rollingPeriod: rollingPeriod ?? TemporaryExposureKey.maximumRollingPeriod,
                                    transmissionRiskLevel: transmissionRiskLevel, reportType: type,
                                    daysSinceOnsetOfSymptoms: daysSinceOnsetOfSymptoms)
    }
}
