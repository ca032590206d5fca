import ExposureNotification
import Testing
import TestSupport

struct IntervalAndDayTests {
    @Test func intervalNumberFloorsAndAlignsToDays() throws {
        let interval = try #require(ENIntervalNumber(unixSeconds: 1_585_785_600 + 599))
        #expect(interval.rawValue == 2_642_976)
        #expect(try #require(ENIntervalNumber(unixSeconds: 1_585_785_600 + 600)).rawValue == 2_642_977)
        #expect(ENIntervalNumber(rawValue: 2_642_976 + 143).dayStart.rawValue == 2_642_976)
        #expect(ENIntervalNumber(rawValue: 2_642_976 + 144).dayStart.rawValue == 2_642_976 + 144)
        #expect(ENIntervalNumber(unixSeconds: -1) == nil)
        #expect(ENIntervalNumber(rawValue: 2_642_976).day.iso8601 == "2020-04-02")
    }

    @Test func civilDatesRoundTrip() throws {
        for (text, days) in [("1970-01-01", 0), ("2000-02-29", 11_016), ("2020-04-02", 18_354), ("1969-12-31", -1), ("2100-03-01", 47_541)] {
            let day = try #require(ExposureDay(iso8601: text))
            #expect(day.rawValue == Int32(days), "\(text)")
            #expect(day.iso8601 == text)
        }
        // Years 0001…9999, the range `YYYY-MM-DD` can write.
        for raw in stride(from: -719_162, through: 2_932_896, by: 997) {
            let day = ExposureDay(rawValue: Int32(raw))
            #expect(ExposureDay(iso8601: day.iso8601) == day)
        }
        for bad in ["2021-02-29", "2020-13-01", "2020-1-01", "20200101", "2020-01-32", "abcd-ef-gh"] {
            #expect(ExposureDay(iso8601: bad) == nil, "\(bad)")
        }
        #expect(ExposureDay(unixSeconds: -1).rawValue == -1)
        #expect(ExposureDay(unixSeconds: 86_399).rawValue == 0)
    }

    @Test func generatedKeysStartAtTheirDay() {
        var rng = SeededGenerator(seed: 1)
        let now = ENIntervalNumber(rawValue: 2_642_976 + 77)
        let key = TemporaryExposureKey.generate(for: now, using: &rng)
        #expect(key.rollingStartIntervalNumber.rawValue == 2_642_976)
        #expect(key.rollingPeriod == 144)
        #expect(key.isValid(at: now))
        #expect(!key.isValid(at: ENIntervalNumber(rawValue: 2_642_976 + 144)))
        let other = TemporaryExposureKey.generate(for: now)
        #expect(other.keyData != key.keyData)
    }
}
