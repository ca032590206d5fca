@testable import FieldTrials
import Testing

struct TrialTimestampTests {
    @Test func offsetsInEveryShapeTheFilesUse() {
        // 2021-02-22 15:09:07 UTC = 1614006547.
        #expect(TrialTimestamp.unixSeconds("2021-02-22T10:09:07-05") == 1_614_006_547)
        #expect(TrialTimestamp.unixSeconds("2021-02-22T10:09:07-0500") == 1_614_006_547)
        #expect(TrialTimestamp.unixSeconds("2021-02-22T10:09:07-05:00") == 1_614_006_547)
        #expect(TrialTimestamp.unixSeconds("2021-02-22T15:09:07+00") == 1_614_006_547)
        // An info file writes a one-digit hour.
        #expect(TrialTimestamp.unixSeconds("2021-03-22T9:09:00-0500") == 1_616_422_140)
    }

    @Test func nonsenseIsNil() {
        for text in ["", "2021-02-22", "2021-02-22T10:09:07", "2021-13-22T10:09:07-05", "2021-02-22T25:09:07-05",
                     "2021-02-22T10:09:07-5", "20x1-02-22T10:09:07-05", "2021-02-22T10:09-05"] {
            #expect(TrialTimestamp.unixSeconds(text[...]) == nil, "\(text)")
        }
    }
}
