import Foundation
@testable import FieldTrials
import Testing

struct TrialFilesTests {
    @Test func setupPositionsEmptyMeansAbsentAndPhonePositionsWin() throws {
        let setup = try TrialSetup.parse(Data("""
            {"title": "T", "agents": [
              {"id": "A", "positions": [[0,0,0]], "transition_mins": [0]},
              {"id": "C", "positions": [[], [8,0], []], "transition_mins": [0, 5, 15]},
              {"id": "F", "positions": [[0.8, 33.1, 0.0]], "transition_mins": [0], "phone_positions": [[2.0, 33.0, 0.0]]},
              {"id": "P", "phone_situation": "Hand"}],
             "phones": [{"id": "07", "model": "Galaxy S7", "time_offset": 0}, {"id": "20", "model": "iPhone XR", "tx": 0}]}
            """.utf8), file: "s_setup.json")
        #expect(setup.agent("C")?.positions == [nil, [8, 0, 0], nil])
        #expect(setup.agent("F")?.positions == [[2.0, 33.0, 0.0]])
        #expect(setup.agent("P")?.positions.isEmpty == true)
        #expect(setup.phone("20")?.model == "iPhone XR")
    }

    @Test func setupWithMismatchedTransitionsIsRefused() {
        #expect(throws: FieldDataError.self) {
            try TrialSetup.parse(Data(#"{"agents": [{"id": "A", "positions": [[0,0,0],[1,1,1]], "transition_mins": [0]}], "phones": []}"#.utf8),
                                 file: "s_setup.json")
        }
    }

    @Test func aClockOffsetBeyondADayIsRefused() {
        #expect(throws: FieldDataError(file: "s_setup.json", "phone 07: time_offset must be seconds within a day")) {
            try TrialSetup.parse(Data(#"{"agents": [], "phones": [{"id": "07", "time_offset": 1e300}]}"#.utf8), file: "s_setup.json")
        }
    }

    @Test func runInfoNeedsOneSickAgent() throws {
        let info = try TrialRunInfo.parse(Data("""
            {"testId": "r1", "startTime": "2021-03-22T9:09:00-0500", "stopTime": "2021-03-22T10:16:00-0500",
             "details": [{"agent": "A", "phone": "17", "exposure": "low", "realExposure": "high"}, {"agent": "B", "phone": "14", "exposure": "sick"}]}
            """.utf8), file: "r1_info.json")
        #expect(info.sick?.phone == "14" && info.stop - info.start == 67 * 60)
        // Written -0500 after the switch to summer time; the phones' logs say -04: the run began an hour earlier in UTC.
        #expect(info.utcOffset == -18_000 && info.span(inOffset: -14_400) == (info.start - 3600)...(info.stop - 3600))
        #expect(throws: FieldDataError.self) {
            try TrialRunInfo.parse(Data(#"{"testId": "r", "startTime": "2021-03-22T09:09:00-05", "stopTime": "2021-03-22T10:16:00-05", "details": []}"#.utf8),
                                   file: "r_info.json")
        }
    }

    @Test func proximityFollowsTransitions() throws {
        let sick = TrialSetup.Agent(id: "A", positions: [[0, 0, 0]], transitionMinutes: [0])
        // 5 ft away for minutes 0–10, then 20 ft away; out of the scene from minute 25.
        let mover = TrialSetup.Agent(id: "C", positions: [[5, 0, 0], [20, 0, 0], nil], transitionMinutes: [0, 10, 25])
        let found = try #require(AgentTrack.proximity(sick, mover, runSeconds: 1800))
        #expect(found.secondsWithin == [600, 0])
        #expect(abs((found.closestMetres ?? 0) - 5 * 0.3048) < 1e-9)
        #expect(AgentTrack.proximity(sick, TrialSetup.Agent(id: "P", positions: [], transitionMinutes: []), runSeconds: 1800) == nil)
    }
}
