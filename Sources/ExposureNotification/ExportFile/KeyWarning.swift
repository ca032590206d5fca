/// A problem with one key that drops that key (or one of its fields) but not the file.
/// Counted per kind, so a file with 10,000 bad keys gives one line, not 10,000.
public enum KeyWarning: String, Hashable, Sendable, CaseIterable, Codable {
    case keyDataNot16Bytes = "key_data_not_16_bytes"
    case missingRollingStartIntervalNumber = "missing_rolling_start_interval_number"
    case rollingPeriodOutOfRange = "rolling_period_out_of_range"
    case daysSinceOnsetOutOfRange = "days_since_onset_out_of_range"
    case unknownReportType = "unknown_report_type"

    /// Whether the key is dropped (otherwise only the field is ignored).
    public var dropsKey: Bool { self != .unknownReportType }

    public var explanation: String {
        switch self {
        case .keyDataNot16Bytes: "key_data is not 16 bytes: key dropped"
        case .missingRollingStartIntervalNumber: "rolling_start_interval_number is missing or negative: key dropped"
        case .rollingPeriodOutOfRange: "rolling_period is outside 1…144: key dropped"
        case .daysSinceOnsetOutOfRange: "days_since_onset_of_symptoms is outside −14…14: key dropped"
        case .unknownReportType: "report_type is not 0…5: field ignored"
        }
    }
}

/// Warnings of one file, counted by kind.
public struct KeyWarningCounts: Hashable, Sendable {
    public private(set) var counts: [KeyWarning: Int] = [:]

    public init() {}

    public mutating func add(_ warning: KeyWarning, count: Int = 1) { counts[warning, default: 0] += count }

    public mutating func merge(_ other: KeyWarningCounts) {
        for (warning, count) in other.counts { add(warning, count: count) }
    }

    public var isEmpty: Bool { counts.isEmpty }
    public var droppedKeys: Int { counts.filter { $0.key.dropsKey }.reduce(0) { $0 + $1.value } }

    /// One human line per kind, in a stable order: "3 keys: key_data is not 16 bytes: key dropped".
    public var lines: [String] {
        KeyWarning.allCases.compactMap { warning in
            counts[warning].map { "\($0) key\($0 == 1 ? "" : "s"): \(warning.explanation)" }
        }
    }
}
