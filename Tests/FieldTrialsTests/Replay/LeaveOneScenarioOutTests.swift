import ExposureNotification
@testable import FieldTrials
import Testing

struct LeaveOneScenarioOutTests {
    static func contact(_ scenario: String, close: Bool, decibels: Double) -> ReplayCase {
        ReplayCase(scenario: scenario, label: "\(scenario) \(close)", closestMetres: nil,
                   truth: CloseContactRule.all.map { RuleTruth(rule: $0, secondsWithin: close ? 900 : 0) }, phoneVerdict: nil,
                   scans: (0..<16).map { _ in ObservedScan(day: ExposureDay(rawValue: 18_700), typicalAttenuation: decibels,
                                                            minimumAttenuation: decibels, secondsSinceLastScan: 60) })
    }

    /// X alone would pick 45 dB (close at 45, far at 50), Y alone 59 (close at 59, far at 70): each is
    /// judged with the other's line, so X flags its far contact and Y misses its close one.
    @Test func eachScenarioIsJudgedWithTheLineTunedOnTheOthers() {
        let cases = [Self.contact("X", close: true, decibels: 45), Self.contact("X", close: false, decibels: 50),
                     Self.contact("Y", close: true, decibels: 59), Self.contact("Y", close: false, decibels: 70)]
        let rates = LeaveOneScenarioOut.rates(cases)
        #expect(rates.note?.hasSuffix("X 59, Y 45") == true)
        let x = rates.scenarios[0].rules[0], y = rates.scenarios[1].rules[0]
        #expect(x.truePositiveRate == 1 && x.falsePositiveRate == 1)
        #expect(y.truePositiveRate == 0 && y.falsePositiveRate == 0)
    }
}
