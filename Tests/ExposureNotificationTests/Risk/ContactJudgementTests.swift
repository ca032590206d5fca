import ExposureNotification
import Foundation
import Testing

struct ContactJudgementTests {
    let today = ExposureDay(rawValue: 20_500)

    func window(daysAgo: Int32, scans: [(Int, Int)], reportType: ReportType = .confirmedTest,
                infectiousness: Infectiousness = .high) -> ExposureWindow {
        ExposureWindow(day: today.adding(days: -daysAgo), reportType: reportType, infectiousness: infectiousness,
                       scanInstances: scans.map { ScanInstance(typicalAttenuation: $0.0, minAttenuation: $0.0, secondsSinceLastScan: $0.1) })
    }

    @Test func cocoaBucketsAsShipped() {
        let model = RiskConfiguration.cocoa
        #expect(model.attenuationWeight(typicalAttenuation: 46) == 1.0)
        #expect(model.attenuationWeight(typicalAttenuation: 47) == 2.5)
        #expect(model.attenuationWeight(typicalAttenuation: 60) == 2.5)
        #expect(model.attenuationWeight(typicalAttenuation: 61) == 1.3)
        #expect(model.attenuationWeight(typicalAttenuation: 65) == 1.3)
        #expect(model.attenuationWeight(typicalAttenuation: 66) == 0.01)
        #expect(model.infectiousness(daysSinceOnset: nil) == .high)
        #expect(model.infectiousness(daysSinceOnset: -3) == .high)
        #expect(model.infectiousness(daysSinceOnset: -4) == .none)
        #expect(model.infectiousness(daysSinceOnset: 10) == .high)
        #expect(model.infectiousness(daysSinceOnset: 11) == .none)
        #expect(model.effectiveReportType(nil) == .confirmedTest)
        #expect(model.effectiveReportType(.unknown) == .confirmedTest)
    }

    @Test func thresholdsNeedBothScoreAndSeconds() {
        // 600 s at 40 dB (weight 1.0) + 300 s at 50 dB (2.5) = 600 + 750 = 1,350 weighted, 900 s.
        let days = ContactJudgement.dailyRisks(windows: [window(daysAgo: 1, scans: [(40, 300), (40, 300)]),
                                                         window(daysAgo: 1, scans: [(50, 300)])],
                                               configuration: .cocoa, today: today)
        #expect(days.count == 1)
        #expect(days[0].score == 1_350 && days[0].seconds == 900 && days[0].windows == 2)
        #expect(days[0].isContactDay)
        // High score but too little time.
        let short = ContactJudgement.dailyRisks(windows: [window(daysAgo: 1, scans: [(50, 600), (50, 290)])], configuration: .cocoa, today: today)
        #expect(short[0].score > 1_350 && !short[0].isContactDay)
    }

    @Test func timeOutOfRangeIsNeitherMinutesNorAContact() {
        // One person met for 14 min 50 s at 50 dB, another heard for 34 minutes at 80 dB only.
        let near = window(daysAgo: 1, scans: [(50, 600), (50, 290)]), far = window(daysAgo: 1, scans: [(80, 2_040)])
        let day = ContactJudgement.dailyRisks(windows: [near, far], configuration: .cocoa, today: today)[0]
        // Counting the far seconds made this a contact day ("2 contacts, 49 minutes"): 2,930 s ≥ 900.
        #expect(day.seconds == 890 && day.windows == 1 && !day.isContactDay)
        #expect(day.score == 890 * 2.5 + 2_040 * 0.01)
        // With 22 minutes near it is one contact of 22 minutes, whatever the far peer adds.
        let longer = window(daysAgo: 1, scans: [(50, 600), (50, 600), (50, 120)])
        let contact = ContactJudgement.dailyRisks(windows: [longer, far], configuration: .cocoa, today: today)[0]
        #expect(contact.isContactDay && contact.windows == 1 && contact.minutes == 22)
        // A bucket of weight 0 is out of range too (the classic preset weighs only ≤ 55 dB).
        #expect(ContactJudgement.countedSeconds(window(daysAgo: 1, scans: [(60, 900), (50, 60)]), configuration: .classic) == 60)
    }

    @Test func windowsThatCannotCountAreLeftOut() {
        let windows = [window(daysAgo: 2, scans: [(50, 1200)], infectiousness: .none),
                       window(daysAgo: 2, scans: [(50, 1200)], reportType: .revoked),
                       window(daysAgo: 15, scans: [(50, 1200)]),
                       window(daysAgo: -1, scans: [(50, 1200)]),
                       window(daysAgo: 14, scans: [(50, 1200)])]
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: .cocoa, today: today)
        #expect(days.map(\.day) == [today.adding(days: -14)])
        #expect(ContactJudgement.contactDays(windows: windows, configuration: .cocoa, today: today).count == 1)
    }

    @Test func scanInstancesAreCappedPerScan() {
        let windows = [window(daysAgo: 0, scans: [(50, 100_000)])]
        let builder = RiskConfiguration.cocoa
        #expect(builder.maximumSecondsPerScan == 600)
        // The cap applies when windows are built from sightings (ExposureWindowBuilder); judged windows use what they hold.
        #expect(ContactJudgement.dailyRisks(windows: windows, configuration: .cocoa, today: today)[0].seconds == 100_000)
    }
}

struct RiskConfigurationTests {
    @Test func customFileOverridesOnlyWhatItSays() throws {
        let json = #"{"name":"field-trial","attenuation_weights":[1,1,0.5,0],"minimum_daily_score":600,"high_infectiousness_days":[[-2,7]]}"#
        let model = try JSONDecoder().decode(RiskConfiguration.self, from: Data(json.utf8))
        try model.validate()
        #expect(model.name == "field-trial")
        #expect(model.attenuationWeights == [1, 1, 0.5, 0])
        #expect(model.attenuationThresholds == RiskConfiguration.cocoa.attenuationThresholds)
        #expect(model.minimumDailyScore == 600)
        #expect(model.infectiousness(daysSinceOnset: -3) == Infectiousness.none)
        // Round trip.
        let again = try JSONDecoder().decode(RiskConfiguration.self, from: try JSONEncoder().encode(model))
        #expect(again == model)
        #expect(try JSONDecoder().decode(RiskConfiguration.self, from: try JSONEncoder().encode(RiskConfiguration.cocoa)) == .cocoa)
    }

    @Test func invalidFilesNameTheKey() throws {
        for (json, key) in [(#"{"attenuation_thresholds":[60,50,70]}"#, "attenuation_thresholds"),
                            (#"{"attenuation_weights":[1,2]}"#, "attenuation_weights"),
                            (#"{"report_type_weights":[1,1,1,-1]}"#, "report_type_weights"),
                            (#"{"high_infectiousness_days":[[-20,3]]}"#, "high_infectiousness_days"),
                            (#"{"maximum_seconds_per_scan":0}"#, "maximum_seconds_per_scan")] {
            let model = try JSONDecoder().decode(RiskConfiguration.self, from: Data(json.utf8))
            #expect(throws: RiskConfiguration.InvalidConfiguration.self) { try model.validate() }
            do { try model.validate() } catch { #expect(error.key == key) }
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RiskConfiguration.self, from: Data(#"{"report_type_when_missing":"sometimes"}"#.utf8))
        }
        #expect(RiskConfiguration.preset(named: "cocoa") == .cocoa)
        #expect(RiskConfiguration.preset(named: "default") == .cocoa)
        #expect(RiskConfiguration.preset(named: "classic-1m-15min") == .classic)
        #expect(RiskConfiguration.preset(named: "nope") == nil)
    }
}

struct OnsetRuleTests {
    @Test func sharesKeysFromTwoDaysBeforeOnsetAndNeverOlderThanFourteenDays() {
        let today = ExposureDay(rawValue: 20_500)
        let keys = (0...20).map { ago in
            TemporaryExposureKey(keyData: Block16(lo: UInt64(ago), hi: 0),
                                 rollingStartIntervalNumber: today.adding(days: -Int32(ago)).firstInterval ?? ENIntervalNumber(rawValue: 0))
        }
        let onset = today.adding(days: -5)
        let shared = OnsetRule.keysToShare(keys, onset: onset, today: today)
        #expect(shared.map(\.day) == (0...7).reversed().map { today.adding(days: -Int32($0)) })
        #expect(shared.first?.daysSinceOnsetOfSymptoms == -2)
        #expect(shared.last?.daysSinceOnsetOfSymptoms == 5)
        let longAgo = OnsetRule.keysToShare(keys, onset: today.adding(days: -30), today: today)
        #expect(longAgo.first?.day == today.adding(days: -14))
        #expect(longAgo.count == 15)
    }
}
