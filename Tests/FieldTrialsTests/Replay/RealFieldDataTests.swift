import ExposureNotification
@testable import FieldTrials
import Testing

/// The real trials, read where they are: the structure the replays rely on, and a whole replay.
@Suite(.enabled(if: FieldData.available || FieldData.inCI, FieldData.absentMessage))
struct RealFieldDataTests {
    let dataset = FieldDataset(root: FieldData.directory)

    @Test func mitllHasNineScenariosOfThreeRuns() throws {
        try #require(FieldData.available, "CI must have ../shared/fielddata beside the clone (or set BLEAGENT_FIELDDATA)")
        let scenarios = try dataset.mitllScenarios()
        #expect(scenarios.count == 9)
        #expect(scenarios.reduce(0) { $0 + $1.runs.count } == 27)
        #expect(scenarios.allSatisfy { $0.runs.count == 3 })
        // Every run has one sick phone that advertised real RPIs, and a log for every participant.
        for run in scenarios.flatMap(\.runs) {
            let sick = try #require(run.info.sick)
            #expect(run.logs[sick.phone]?.advertisements.isEmpty == false, "\(run.info.testID)")
            #expect(run.info.participants.allSatisfy { run.logs[$0.phone] != nil }, "\(run.info.testID)")
        }
        // Only LargeParty lacks positions (motion capture, not in the data).
        #expect(scenarios.filter { $0.setup.agents.contains { $0.positions.isEmpty } }.map(\.name) == ["LargeParty"])
    }

    @Test func dublinHasSeventyTwoRowsOfSevenHandsets() throws {
        try #require(FieldData.available, "CI must have ../shared/fielddata beside the clone (or set BLEAGENT_FIELDDATA)")
        let tram = try dataset.tramDataset()
        #expect(tram.rows.count == 72)
        #expect(Set(tram.rows.flatMap(\.handsets)) == Set(1...7))
        #expect(tram.rows.allSatisfy { (0.5...5.2).contains($0.distanceMetres) })
    }

    @Test func nistHasBothPisAtFiftyToFourHundredCentimetres() throws {
        try #require(FieldData.available, "CI must have ../shared/fielddata beside the clone (or set BLEAGENT_FIELDDATA)")
        let captures = try dataset.piCaptures()
        #expect(Set(captures.map(\.distanceCentimetres)) == Set(stride(from: 50, through: 400, by: 50)))
        #expect(captures.count == 16 && Set(captures.map(\.receiver)) == ["A", "B"])
        #expect(captures.allSatisfy { $0.capture.packets.allSatisfy { $0.txPower == 12 } })
    }

    /// All three replayed under the presets, as CI runs `field replay all`: every receiver with
    /// sighting records is a contact, the others are counted out.
    @Test func wholeReplay() throws {
        try #require(FieldData.available, "CI must have ../shared/fielddata beside the clone (or set BLEAGENT_FIELDDATA)")
        let report = try FieldReplay.report(FieldDataset.Name.allCases, from: dataset, configurations: RiskConfiguration.presets)
        #expect(report.datasets.map(\.dataset) == ["mitll-ua", "dublin-tram", "nist-rpi"])
        let mitll = report.datasets[0]
        let receivers = try dataset.mitllScenarios().flatMap(\.runs).reduce(0) { $0 + $1.info.participants.count - 1 }
        let unheard = mitll.excluded.first { $0.reason == MITLLReplay.noScanRecords }?.count ?? 0
        #expect(mitll.cases.count + unheard == receivers)
        #expect(mitll.models.map(\.risk) == ["cocoa", "classic-1m-15min", LeaveOneScenarioOut.name])
        #expect(mitll.models.allSatisfy { $0.scenarios.count == 9 })
        #expect(report.datasets[1].cases.count == 72)
        #expect(report.datasets[2].distances?.count == 16)
    }
}
