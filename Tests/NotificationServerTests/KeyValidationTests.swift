import ExposureNotification
import Foundation
@testable import NotificationServer
import Testing

struct KeyValidationTests {
    let now: Int64 = 1_764_072_000   // 2025-11-25 12:00 UTC
    var today: ExposureDay { ExposureDay(unixSeconds: now) }

    @Test func goodKeysPassWithDaysSinceOnsetSet() throws {
        let keys = (0..<3).map { key(day: today.adding(days: -$0), seed: UInt64($0)) }
        let result = try KeyValidation().validate(submission(number: "12345678", keys: keys, onset: today.adding(days: -1)), now: now)
        #expect(result.droppedCount == 0)
        #expect(result.keys.map(\.daysSinceOnsetOfSymptoms) == [1, 0, -1])
        #expect(result.keys.allSatisfy { $0.reportType == .confirmedTest })
    }

    @Test func eachBadKeyIsDroppedAndCountedNotTheRequest() throws {
        var bad = submission(number: "12345678", keys: [key(day: today, seed: 1)], onset: today.adding(days: -2))
        let good = bad.keys[0]
        func variant(_ change: (inout DiagnosisSubmission.Key) -> Void) -> DiagnosisSubmission.Key {
            var copy = good
            change(&copy)
            return copy
        }
        bad.keys = [
            good,
            variant { $0.keyData = Data(repeating: 1, count: 15).base64EncodedString() },                   // 15 bytes
            variant { $0.keyData = "not base64!" },
            variant { $0.keyData = Data(repeating: 2, count: 16).base64EncodedString(); $0.rollingPeriod = 145 },
            variant { $0.keyData = Data(repeating: 3, count: 16).base64EncodedString(); $0.rollingStartNumber -= 16 * 144 }, // too old
            variant { $0.keyData = Data(repeating: 4, count: 16).base64EncodedString(); $0.rollingStartNumber += 144 },      // tomorrow
            variant { $0.keyData = Data(repeating: 5, count: 16).base64EncodedString(); $0.reportType = 5 },                // revoked
            variant { $0.keyData = Data(repeating: 6, count: 16).base64EncodedString(); $0.rollingStartNumber -= 5 * 144 }, // before onset − 2
            good,                                                                                                           // duplicate
        ]
        let result = try KeyValidation().validate(bad, now: now)
        #expect(result.keys.count == 1)
        #expect(result.dropped == [.notSixteenBytes: 2, .badRollingPeriod: 1, .tooOld: 1, .inTheFuture: 1, .badReportType: 1,
                                   .outsideOnsetWindow: 1, .duplicate: 1])
    }

    @Test func aStillValidKeyIsAcceptedItsEmbargoIsTheExporters() throws {
        // Today's key, valid until midnight: accepted now, published 2 h after its end (ExportWorkerTests).
        let result = try KeyValidation().validate(submission(number: "12345678", keys: [key(day: today, seed: 9)], onset: today), now: now)
        #expect(result.keys.count == 1)
    }

    @Test func requestLevelProblemsAreErrors() {
        #expect(throws: KeyValidation.RequestError.tooManyKeys(31, limit: 30)) {
            try KeyValidation().validate(submission(number: "12345678", keys: (0..<31).map { key(day: today, seed: UInt64($0)) }, onset: today), now: now)
        }
        var odd = submission(number: "12345678", keys: [], onset: today)
        odd.onsetOfSymptomOrTestDate = "yesterday"
        #expect(throws: KeyValidation.RequestError.badOnsetDate("yesterday")) { try KeyValidation().validate(odd, now: now) }
        #expect(throws: KeyValidation.RequestError.self) {
            try KeyValidation().validate(submission(number: "12345678", keys: [], onset: today.adding(days: 3)), now: now)
        }
    }

    @Test func cocoasDateFormsAreRead() {
        #expect(DiagnosisSubmission.onsetDay("2021-09-20T00:00:00.000+09:00") == "2021-09-20")
        #expect(DiagnosisSubmission.onsetDay("2021-09-20T00:00:00Z") == "2021-09-20")
        #expect(DiagnosisSubmission.onsetDay("2021-09-20") == "2021-09-20")
        #expect(DiagnosisSubmission.onsetDay("2021-09-2") == nil)
        #expect(DiagnosisSubmission.onsetText(day: "2021-09-20", offsetSeconds: 9 * 3600) == "2021-09-20T00:00:00.000+09:00")
        #expect(DiagnosisSubmission.onsetText(day: "2021-09-20", offsetSeconds: -(3 * 3600 + 1800)) == "2021-09-20T00:00:00.000-03:30")
    }

    @Test func theSubmissionRoundTripsCocoasFieldNames() throws {
        let original = submission(number: "12345678", keys: [key(day: today, seed: 1)], onset: today, idempotencyKey: "k")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(original)) as? [String: Any]
        #expect(Set(json?.keys.map { $0 } ?? []) == ["hasSymptom", "onsetOfSymptomOrTestDate", "keys", "regions", "platform",
                                                    "deviceVerificationPayload", "appPackageName", "verificationPayload", "idempotency_key", "padding"])
        #expect(try JSONDecoder().decode(DiagnosisSubmission.self, from: JSONEncoder().encode(original)) == original)
    }
}
