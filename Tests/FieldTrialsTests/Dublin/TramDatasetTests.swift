import ExposureNotification
@testable import FieldTrials
import Testing

struct TramDatasetTests {
    static let files = (attenuations: "att.txt", distances: "dist.txt", pairs: "pairs.txt")
    /// Row 1: 3 minutes at 54–56 dB and 12 at 58–60 dB (a pair 0.5 m apart); row 2: 15 at 80–85 (3.3 m).
    static let attenuations = "# header\n   \n" + [
        [0, 0, 0, 3, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0],
    ].map { $0.map { String(format: "   %.7e", Double($0)) }.joined() }.joined(separator: "\n")

    @Test func readsTheThreeFilesRowForRow() throws {
        let tram = try TramDataset.parse(attenuations: Self.attenuations, distances: "# d\n   5.0000000e-01\n   3.3000000e+00\n",
                                         pairs: "# p\r\n   5.0000000e+00   1.0000000e+00\r\n   2.0000000e+00   7.0000000e+00\r\n", files: Self.files)
        #expect(tram.rows.map(\.handsets) == [[5, 1], [2, 7]])
        #expect(tram.rows.map(\.distanceMetres) == [0.5, 3.3])
        #expect(tram.rows[0].minutes.reduce(0, +) == 15)
    }

    /// Hand-worked: 3 minutes of 54–56 → 54, 55, 54 dB; 12 of 58–60 → 58, 59, … Under classic only
    /// the first three (≤ 55 dB) count: 180 s < 900 → not flagged. Under cocoa all 15 are near
    /// (47…60 dB, weight 2.5): 900 s × 2.5 = 2,250 ≥ 1,350 → flagged.
    @Test func minutesBecomeMinuteScansSpreadOverTheBin() throws {
        let row = TramDataset.Row(handsets: [5, 1], distanceMetres: 0.5,
                                  minutes: [0, 0, 0, 3, 0, 12] + [Double](repeating: 0, count: 13))
        let scans = TramReplay.scans(row, day: ExposureDay(rawValue: 18_436))
        #expect(scans.count == 15 && scans.allSatisfy { $0.secondsSinceLastScan == 60 })
        #expect(scans.prefix(5).map(\.typicalAttenuation) == [54, 55, 54, 58, 59])
        #expect(ReplayJudgement.judge(scans, configuration: .classic) == ReplayJudgement(risk: "classic-1m-15min", flagged: false, score: 180, minutes: 3))
        #expect(ReplayJudgement.judge(scans, configuration: .cocoa) == ReplayJudgement(risk: "cocoa", flagged: true, score: 2_250, minutes: 15))
        let contact = try #require(TramReplay.cases(TramDataset(rows: [row])).first)
        #expect(contact.scenario == "0.5 m" && contact.isClose(under: .oneMetre) == true && contact.isClose(under: .sixFeet) == true)
    }

    @Test func faultsNameFileAndLine() {
        #expect(throws: FieldDataError(file: "dist.txt", line: 3, "x: expected a distance in metres (0.0…1000.0)")) {
            try TramDataset.parse(attenuations: Self.attenuations, distances: "#\n 0.5\n x\n", pairs: "5 1\n2 7\n", files: Self.files)
        }
        #expect(throws: FieldDataError(file: "pairs.txt", line: 1, "1 numbers, expected 2")) {
            try TramDataset.parse(attenuations: Self.attenuations, distances: "0.5\n3.3\n", pairs: "5\n2 7\n", files: Self.files)
        }
        #expect(throws: FieldDataError.self) {  // 2 rows of minutes, 1 distance
            try TramDataset.parse(attenuations: Self.attenuations, distances: "0.5\n", pairs: "5 1\n", files: Self.files)
        }
    }
}
