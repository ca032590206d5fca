/// How a diagnosis was established (TemporaryExposureKey.report_type in the export format).
public enum ReportType: Int32, Sendable, Codable, CaseIterable {
    case unknown = 0
    case confirmedTest = 1
    case confirmedClinicalDiagnosis = 2
    case selfReport = 3
    case recursive = 4
    /// A key withdrawn by its owner; it never contributes to risk.
    case revoked = 5

    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .confirmedTest: "confirmed_test"
        case .confirmedClinicalDiagnosis: "confirmed_clinical_diagnosis"
        case .selfReport: "self_report"
        case .recursive: "recursive"
        case .revoked: "revoked"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
