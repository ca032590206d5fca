import ExposureNotification
import Foundation
@testable import FieldTrials
import Testing

/// A tiny MITLL-UA-shaped run worked out by hand. Run 10:00–10:30 (−05), A is sick (phone 01, TX
/// power −30 dBm in its metadata). Positions (ft): A (0,0); B 3 ft away all run; C 5 ft away for
/// minutes 0–10, then 20 ft; D 12 ft away; E carries an iPhone (no sighting records).
///
/// Each receiver scans at 10:01, 10:06, …, 10:26 (six scans, 300 s apart; the first stands for the
/// median gap, 300 s).
/// - B (rssi_offset 5) hears A's RPI in every scan at mean −79 → 44 dB: 6 × 300 s = 1,800 s, all
///   ≤ 46 dB. In the 10:16 scan it also hears A's next RPI at −70 → 35 dB: the same scan, one
///   instance at the closer reading. A sighting at 10:31 (after stop) is ignored.
///   cocoa: 1,800 × 1.0 = 1,800 ≥ 1,350 and 1,800 s ≥ 900 → flagged. classic: 1,800 s ≤ 55 dB → flagged.
/// - C (offset 0) hears A at −70 (40 dB) in the first two scans only: 600 s → neither flags.
/// - D (offset 0) hears A at −88 → 58 dB in all six: cocoa near bucket 1,800 × 2.5 = 4,500 → flagged;
///   classic weighs only ≤ 55 dB → 0 → not flagged.
/// Ground truth (both rules): B close (3 ft = 0.91 m all 30 min); C 600 s within 6 ft, not close;
/// D not close. Phones said B high, C none, D low.
/// - cocoa flags B, D: TPR 1/1, FPR 1/2; agrees with "high" 2/3 (D is low), with "high or low" 3/3.
/// - classic flags B: TPR 1/1, FPR 0/2; agrees with "high" 3/3, with "high or low" 2/3 (D).
struct HandComputedScenarioTests {
    static let rpiA1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", rpiA2 = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
    static let rpiOther = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"

    static func scans(_ rssi: String, minutes: [Int], second: Int = 0) -> String {
        minutes.map { String(format: "        2021-02-22T10:%02d:%02d-05 (4s) rssi=[%@]", $0, second, rssi) }.joined(separator: "\n")
    }

    static func log(offset: Int, sightings: String) throws -> DumpsysLog {
        try DumpsysParser.parse("""
            Flags:
              rssi_offset = \(offset)
              tx_calibration_power = -30
            Advertisement records:
            Sighting records:
            \(sightings)
            """, file: "log")
    }

    static func scenario() throws -> MITLLReplay.Scenario {
        let setup = try TrialSetup.parse(Data("""
            {"agents": [{"id": "A", "positions": [[0,0,0]], "transition_mins": [0]},
                        {"id": "B", "positions": [[3,0,0]], "transition_mins": [0]},
                        {"id": "C", "positions": [[5,0,0], [20,0,0]], "transition_mins": [0, 10]},
                        {"id": "D", "positions": [[0,12,0]], "transition_mins": [0]},
                        {"id": "E", "positions": [[1,0,0]], "transition_mins": [0]}],
             "phones": [{"id": "01", "model": "a"}, {"id": "02", "model": "b"}, {"id": "03", "model": "c"},
                        {"id": "04", "model": "d"}, {"id": "05", "model": "iPhone", "tx": 0}]}
            """.utf8), file: "tiny_setup.json")
        let info = try TrialRunInfo.parse(Data("""
            {"testId": "tiny_1", "startTime": "2021-02-22T10:00:00-0500", "stopTime": "2021-02-22T10:30:00-0500",
             "details": [{"agent": "A", "phone": "01", "exposure": "sick"}, {"agent": "B", "phone": "02", "exposure": "high"},
                         {"agent": "C", "phone": "03", "exposure": "none"}, {"agent": "D", "phone": "04", "exposure": "low"},
                         {"agent": "E", "phone": "05", "exposure": "low"}]}
            """.utf8), file: "tiny_1_info.json")
        let every = [1, 6, 11, 16, 21, 26]
        let sick = try DumpsysParser.parse("""
            Advertisement records:
              2021-02-22T10:00:00-05\tRPI=\(rpiA1)\tmetadata=5CE00000 (ver=92, txPower=-30)
              2021-02-22T10:10:00-05\tRPI=\(rpiA2)\tmetadata=5CE00000 (ver=92, txPower=-30)
            """, file: "01")
        let b = try log(offset: 5, sightings: """
              RPI=\(rpiA1)
            \(scans("-80, -78", minutes: every))
                    2021-02-22T10:31:00-05 (4s) rssi=[-40]
              RPI=\(rpiA2)
            \(scans("-70", minutes: [16], second: 2))
            """)
        let c = try log(offset: 0, sightings: "  RPI=\(rpiOther)\n\(scans("-60", minutes: every))\n  RPI=\(rpiA1)\n\(scans("-70", minutes: [1, 6], second: 1))")
        let d = try log(offset: 0, sightings: "  RPI=\(rpiA1)\n\(scans("-88", minutes: every))")
        let iPhone = try DumpsysParser.parse("Sighting records:\n", file: "05")
        return MITLLReplay.Scenario(name: "Tiny", setup: setup,
                                    runs: [MITLLReplay.Run(info: info, logs: ["01": sick, "02": b, "03": c, "04": d, "05": iPhone])])
    }

    @Test func contactsScansAndTruth() throws {
        let (cases, excluded) = MITLLReplay.cases(try Self.scenario())
        #expect(excluded == [MITLLReplay.noScanRecords: 1])
        #expect(cases.map(\.label) == ["tiny_1 A(01)→B(02)", "tiny_1 A(01)→C(03)", "tiny_1 A(01)→D(04)"])
        #expect(cases[0].scans.map { $0.scanInstance(.cocoa).typicalAttenuation } == [44, 44, 44, 35, 44, 44])
        #expect(cases[0].scans.map(\.secondsSinceLastScan) == [300, 300, 300, 300, 300, 300])
        #expect(cases[1].scans.map { $0.scanInstance(.cocoa).typicalAttenuation } == [40, 40])
        #expect(cases[2].scans.map { $0.scanInstance(.cocoa).typicalAttenuation } == [58, 58, 58, 58, 58, 58])
        #expect(cases.map { $0.isClose(under: .sixFeet) } == [true, false, false])
        #expect(cases.map { $0.isClose(under: .oneMetre) } == [true, false, false])
        #expect(cases[1].truth.map(\.secondsWithin) == [600, 0])
    }

    @Test func ratesPerModel() throws {
        let (cases, excluded) = MITLLReplay.cases(try Self.scenario())
        let replay = DatasetReplay(dataset: "tiny", title: "tiny", method: [], cases: cases, excluded: excluded,
                                   configurations: [.cocoa, .classic])
        let cocoa = replay.models[0].overall, classic = replay.models[1].overall
        #expect(replay.cases.map { $0.judgements[0].score } == [1_800, 600, 4_500])
        #expect(cocoa.flagged == 2 && classic.flagged == 1)
        for rule in cocoa.rules {
            #expect(rule.close == 1 && rule.flaggedClose == 1 && rule.notClose == 2 && rule.flaggedNotClose == 1)
            #expect(rule.truePositiveRate == 1 && rule.falsePositiveRate == 0.5)
        }
        for rule in classic.rules { #expect(rule.truePositiveRate == 1 && rule.falsePositiveRate == 0) }
        #expect(cocoa.phone?.agreesWithHigh == 2 && cocoa.phone?.agreesWithNotified == 3 && cocoa.phone?.judged == 3)
        #expect(classic.phone?.agreesWithHigh == 3 && classic.phone?.agreesWithNotified == 2)
    }
}
