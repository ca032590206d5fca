import ExposureNotification
@testable import FieldReport
import Foundation
import Testing
import TestSupport

/// The report over a hand-made meeting: one key heard every 4 minutes for 20 minutes at −60 dBm
/// (metadata TX −10 dBm: 50 dB), plus a stranger heard all afternoon.
struct FieldReportTests {
    /// 2026-03-01 12:00 UTC.
    static let noon: Int64 = 1_772_366_400

    static func meeting() throws -> (table: SightingTable, matches: [KeyMatch]) {
        var random = SeededGenerator(seed: 3)
        let start = try #require(ENIntervalNumber(unixSeconds: noon))
        let key = TemporaryExposureKey.generate(for: start, using: &random)
        let deriver = IdentifierDeriver()
        let derived = deriver.keys(for: key.keyData)
        var sightings: [Sighting] = []
        for scan in 0..<6 {
            let time = noon + Int64(scan * 240)
            let interval = try #require(ENIntervalNumber(unixSeconds: time))
            let rpi = deriver.identifier(rpik: derived.rpik, at: interval)
            let aem = deriver.associatedEncryptedMetadata(.version1_0(txPower: -10), aemk: derived.aemk, rpi: rpi)
            sightings.append(Sighting(rpi: rpi, aem: aem, time: time, rssiMax: -55, rssiMean: -60, secondsSinceLastScan: 240))
        }
        // A stranger every 10 minutes from 12:00 to 15:50 except 13:00–13:50: 18 of 24 intervals.
        for slot in 0..<24 where !(6..<12).contains(slot) {
            let stranger = RollingProximityIdentifier(Block16(lo: UInt64(slot + 1), hi: 7))
            sightings.append(Sighting(rpi: stranger, aem: AssociatedEncryptedMetadata(rawValue: 0), time: noon + Int64(slot * 600) + 30,
                                      rssiMax: -80, rssiMean: -80, secondsSinceLastScan: 240))
        }
        let table = SightingTable(sightings)
        var published = key
        published.reportType = .confirmedTest
        published.daysSinceOnsetOfSymptoms = 0
        let bin = try ExportWriter.exportBin(header: ExportFile.Header(region: "440"), keys: [published], signatureInfos: [])
        let zip = try ExportWriter.zip(entries: [("export.bin", bin)])
        let report = Matcher(index: SightingIndex(table: table), keyring: VerificationKeyring(), policy: .allowUnverified)
            .match([ExportSource(name: "1.zip") { .zip(zip) }])
        return (table, report.matches)
    }

    static func report() throws -> FieldReport {
        let (table, matches) = try meeting()
        let windows = ExposureWindowBuilder.windows(from: matches, table: table, configuration: .cocoa)
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: .cocoa, today: ExposureDay(unixSeconds: noon))
        return FieldReport(title: "Bench <1>", generatedAt: noon + 86_400, table: table, matches: matches, dailyRisks: days,
                           model: .cocoa, calibration: .init(txPower: -13, rssiCorrection: -16, source: "default for a Raspberry Pi 4"),
                           keyFiles: ["1.zip"])
    }

    @Test func theFiguresAreTheMeetingsFigures() throws {
        let report = try Self.report()
        #expect(report.sightings == 24)
        let trace = try #require(report.traces.first)
        #expect(report.traces.count == 1 && trace.sightings == 6 && trace.points.count == 6)
        // −10 − (−60) = 50 dB typical; −10 − (−55) = 45 dB minimum.
        #expect(trace.points.allSatisfy { $0.typical == 50 && $0.minimum == 45 })
        #expect(report.histogram[50] == 6 && report.histogram.reduce(0, +) == 6)
        let continuity = try #require(report.continuity.first)
        #expect(report.continuity.count == 1 && continuity.heard.filter { $0 }.count == 18)
        #expect(continuity.share == 18.0 / 24.0)
        // Six scans of 240 s in COCOA's 47–60 dB bucket (× 2.5): 3,600 — a contact day (≥ 1,350, ≥ 900 s).
        let day = try #require(report.days.last)
        #expect(day.score == 3_600 && day.seconds == 1_440 && day.isContactDay)
    }

    @Test func thePageIsSelfContainedAndHoldsEveryPlot() throws {
        let html = try Self.report().html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Five plots: days, one trace, the histogram, continuity (+ nothing else drawn).
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(html.components(separatedBy: "class=\"typical\"").count - 1 == 6)
        #expect(html.components(separatedBy: "class=\"heard\"").count - 1 == 18)
        // The model's thresholds are drawn with their weights; the calibration is stated.
        #expect(html.contains("≤ 60 dB × 2.5") && html.contains("TX power -13 dBm, RSSI correction -16 dB"))
        // Nothing to fetch: no script, no external reference (the SVG namespace is a name, not a fetch).
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "http") == nil)
        // Text from outside is escaped.
        #expect(html.contains("Bench &lt;1&gt;") && !html.contains("Bench <1>"))
    }

    @Test func longTracesAreBinnedKeepingTheClosestReading() {
        let points = (0..<10_000).map { index in (time: Int64(index), typical: index == 5_000 ? 20 : 70, minimum: index == 5_000 ? 15 : 65) }
        let binned = FieldReport.binned(points)
        #expect(binned.count <= FieldReport.maximumPoints && binned.count > FieldReport.maximumPoints * 9 / 10)
        #expect(binned.map(\.typical).min() == 20 && binned.map(\.minimum).min() == 15)
        #expect(FieldReport.binned(Array(points.prefix(10))).count == 10)
    }
}
