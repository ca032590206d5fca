import ExposureNotification
import Foundation
import Testing

/// The lesson of COCOA on Android (four months without a notification): a real COCOA key (TRL 0,
/// no days since onset) met for 20 minutes at ≈ 50 dB must be a contact day under the shipped default.
@Suite(.enabled(if: Fixtures.available, Fixtures.absentMessage))
struct CocoaLessonTests {
    let file = "cocoa-440-774.zip"

    func cocoaKey() throws -> (TemporaryExposureKey, ExportContainer) {
        let data = try Fixtures.data("exports/\(file)")
        let key = try #require(try ExportReader.read(.zip(data)).keys.first)
        #expect(key.transmissionRiskLevel == 0)
        #expect(key.daysSinceOnsetOfSymptoms == nil)
        return (key, .zip(data))
    }

    /// Meets the key at midday of its day: attenuation = TX power 8 dBm − RSSI.
    func judge(minutes: Int, attenuation: Int, configuration: RiskConfiguration = .cocoa) throws -> DailyRisk? {
        let (key, container) = try cocoaKey()
        var scenario = Scenario()
        scenario.meet(key, from: key.day.unixSeconds + 12 * 3600, minutes: minutes, every: 120,
                      rssi: Int8(8 - attenuation), txPower: 8)
        let days = scenario.judge([container], configuration: configuration, today: key.day.adding(days: 3))
        #expect(days.count <= 1)
        return days.first
    }

    @Test func twentyMinutesAtFiftyDecibelsIsAContactDay() throws {
        let day = try #require(try judge(minutes: 20, attenuation: 50))
        #expect(day.isContactDay)
        #expect(day.seconds == 1_200)
        #expect(day.score == 3_000)  // 1,200 s × 2.5 (near bucket), as DESIGN §6 works out
        #expect(day.minutes == 20)
    }

    @Test func fiveMinutesIsNot() throws {
        let day = try #require(try judge(minutes: 5, attenuation: 50))
        #expect(!day.isContactDay)
    }

    @Test func thirtyMinutesAtEightyDecibelsIsNot() throws {
        let day = try #require(try judge(minutes: 30, attenuation: 80))
        #expect(!day.isContactDay)
        // Beyond the last threshold: no time in range, no contact (only its weighted score).
        #expect(day.seconds == 0 && day.windows == 0 && abs(day.score - 18) < 1e-9)
    }

    @Test func classicPresetNeedsOneMetreForFifteenMinutes() throws {
        #expect(try judge(minutes: 16, attenuation: 50, configuration: .classic)?.isContactDay == true)
        #expect(try judge(minutes: 14, attenuation: 50, configuration: .classic)?.isContactDay == false)
        #expect(try judge(minutes: 30, attenuation: 60, configuration: .classic)?.isContactDay == false)
    }
}
