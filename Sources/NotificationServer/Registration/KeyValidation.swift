import ExposureNotification
import Foundation

/// The key checks of a registration, as Google's key server and COCOA's apply them: a bad key is
/// dropped (and counted), never the whole request. Pure: time is a parameter.
public struct KeyValidation: Sendable {
    /// Keys older than this many days are refused (Google: rolling start within 15 days).
    public var maximumAgeDays: Int32 = 15
    /// At most this many keys in one request (Google's default).
    public var maximumKeys = 30

    public init() {}

    public enum RequestError: Error, Equatable, CustomStringConvertible {
        case tooManyKeys(Int, limit: Int)
        case badOnsetDate(String)
        case onsetInTheFuture(String)

        public var description: String {
            switch self {
            case .tooManyKeys(let count, let limit): "\(count) keys in one request; at most \(limit) are accepted"
            case .badOnsetDate(let text): "onsetOfSymptomOrTestDate \"\(text)\" is not an RFC 3339 date"
            case .onsetInTheFuture(let text): "onsetOfSymptomOrTestDate \(text) lies in the future"
            }
        }
    }

    /// Why a key was dropped.
    public enum DropReason: String, Sendable, CaseIterable {
        case notSixteenBytes = "key_data is not 16 bytes of base64"
        case badRollingPeriod = "rolling_period outside 1…144"
        case tooOld = "rolling start older than 15 days"
        case inTheFuture = "rolling start after now"
        case badReportType = "report type outside confirmed test, clinical diagnosis or self report"
        case outsideOnsetWindow = "key from before 2 days ahead of onset, or days since onset outside −14…14"
        case duplicate = "the same key twice in one request"
    }

    public struct Result: Sendable, Equatable {
        public var keys: [TemporaryExposureKey]
        public var dropped: [DropReason: Int]
        public var droppedCount: Int { dropped.values.reduce(0, +) }
    }

    /// Validates `submission`'s keys at `now` (unix seconds): days since onset are set per key from
    /// the onset/test date and COCOA's onset rule (keys from 2 days before it) is applied here too.
    public func validate(_ submission: DiagnosisSubmission, now: Int64) throws(RequestError) -> Result {
        guard submission.keys.count <= maximumKeys else { throw .tooManyKeys(submission.keys.count, limit: maximumKeys) }
        guard let dayText = DiagnosisSubmission.onsetDay(submission.onsetOfSymptomOrTestDate),
              let onset = ExposureDay(iso8601: dayText) else {
            throw .badOnsetDate(submission.onsetOfSymptomOrTestDate)
        }
        let today = ExposureDay(unixSeconds: now)
        // A day's margin: the person's local date may be UTC's tomorrow.
        guard onset <= today.adding(days: 1) else { throw .onsetInTheFuture(submission.onsetOfSymptomOrTestDate) }
        let nowInterval = UInt32(clamping: max(0, now) / ENIntervalNumber.secondsPerInterval)
        let oldest = UInt32(clamping: Int64(today.adding(days: -maximumAgeDays).rawValue) * Int64(ENIntervalNumber.intervalsPerDay))
        let firstSharedDay = onset.adding(days: -OnsetRule.daysBeforeOnset)
        var result = Result(keys: [], dropped: [:])
        var seen = Set<Block16>()
        for key in submission.keys {
            let reason: DropReason?
            let data = Data(base64Encoded: key.keyData)
            let period = key.rollingPeriod == 0 ? TemporaryExposureKey.maximumRollingPeriod : key.rollingPeriod
            let start = ENIntervalNumber(rawValue: key.rollingStartNumber)
            let days = start.day.days(since: onset)
            let reportType = key.reportType.map { $0 == 0 ? ReportType.confirmedTest.rawValue : $0 } ?? ReportType.confirmedTest.rawValue
            if data?.count != 16 {
                reason = .notSixteenBytes
            } else if !(1...TemporaryExposureKey.maximumRollingPeriod).contains(period) {
                reason = .badRollingPeriod
            } else if key.rollingStartNumber < oldest {
                reason = .tooOld
            } else if key.rollingStartNumber > nowInterval {
                reason = .inTheFuture
            } else if ![ReportType.confirmedTest, .confirmedClinicalDiagnosis, .selfReport].map(\.rawValue).contains(reportType) {
                reason = .badReportType
            } else if start.day < firstSharedDay || !(-14...14).contains(days) {
                reason = .outsideOnsetWindow
            } else {
                reason = nil
            }
            if let reason {
                result.dropped[reason, default: 0] += 1
                continue
            }
            guard let data, let block = Block16(bytes: data) else { continue }
            guard seen.insert(block).inserted else {
                result.dropped[.duplicate, default: 0] += 1
                continue
            }
            result.keys.append(TemporaryExposureKey(keyData: block, rollingStartIntervalNumber: start, rollingPeriod: period,
                                                    reportType: ReportType(rawValue: reportType), daysSinceOnsetOfSymptoms: days))
        }
        return result
    }
}
