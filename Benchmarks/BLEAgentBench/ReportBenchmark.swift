import ExposureNotification
import FieldReport
import Foundation

/// `bleagent field report` over a busy fortnight: 14 days × 200,000 sightings, of which 5 keys a day
/// were met (300 scans each) and published. Times the page's construction and rendering (matching
/// is the match benchmark's business) against a bound measured in the same run: sorting the
/// sightings by time once, which any plot of them needs at least; and the page's size against the
/// sightings as JSON lines.
enum ReportBenchmark {
    static func run(options: [String]) {
        var days = 14, perDay = 200_000
        Bench.parse(options, ["--days": { days = Int($0) ?? days }, "--per-day": { perDay = Int($0) ?? perDay }])
        Bench.warnIfDebug("report")
        let firstDay = ExposureDay(rawValue: 20_400)
        var rng = SplitMix64(seed: 11)
        let deriver = IdentifierDeriver()
        var sightings: [Sighting] = []
        sightings.reserveCapacity(days * perDay)
        var keys: [TemporaryExposureKey] = []
        for day in 0..<days {
            let dayStart = firstDay.adding(days: Int32(day)).unixSeconds
            var met = 0
            for key in 0..<5 {
                guard let start = ENIntervalNumber(unixSeconds: dayStart) else { Bench.fail("bad day") }
                var tek = TemporaryExposureKey(keyData: Block16(lo: rng.next(), hi: rng.next()), rollingStartIntervalNumber: start, rollingPeriod: 144)
                tek.reportType = .confirmedTest
                tek.daysSinceOnsetOfSymptoms = 0
                keys.append(tek)
                let derived = deriver.keys(for: tek.keyData)
                for scan in 0..<300 {
                    let time = dayStart + Int64(key * 3 * 3600 + scan * 30)
                    guard let interval = ENIntervalNumber(unixSeconds: time) else { continue }
                    let rpi = deriver.identifier(rpik: derived.rpik, at: interval)
                    let aem = deriver.associatedEncryptedMetadata(.version1_0(txPower: -13), aemk: derived.aemk, rpi: rpi)
                    let rssi = Int8(-50 - Int(rng.next() % 30))
                    sightings.append(Sighting(rpi: rpi, aem: aem, time: time, rssiMax: rssi &+ 3, rssiMean: rssi, secondsSinceLastScan: 30))
                    met += 1
                }
            }
            for item in 0..<(perDay - met) {
                sightings.append(Sighting(rpi: RollingProximityIdentifier(Block16(lo: rng.next(), hi: rng.next())),
                                          aem: AssociatedEncryptedMetadata(rawValue: 0), time: dayStart + Int64(item) * 86_399 / Int64(perDay),
                                          rssiMax: -70, rssiMean: -72, secondsSinceLastScan: 240))
            }
        }
        let table = SightingTable(sightings)
        let bin: Data
        do {
            bin = try ExportWriter.zip(entries: [("export.bin", try ExportWriter.exportBin(header: ExportFile.Header(region: "440"), keys: keys, signatureInfos: []))])
        } catch {
            Bench.fail("export file: \(error)")
        }
        let report = Matcher(index: SightingIndex(table: table), keyring: VerificationKeyring(), policy: .allowUnverified)
            .match([ExportSource(name: "keys.zip") { .zip(bin) }])
        let model = RiskConfiguration.cocoa
        let windows = ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: model)
        let risks = ContactJudgement.dailyRisks(windows: windows, configuration: model, today: firstDay.adding(days: Int32(days - 1)))
        print("report benchmark: \(days) days × \(Bench.grouped(perDay)) sightings (\(Bench.grouped(table.count))), \(report.matches.count) matched keys")

        let boundStart = Bench.now()
        let sortedTimes = table.sightings.map(\.time).sorted()
        let bound = Bench.now() - boundStart
        let rssBefore = Bench.peakRSSMiB()
        let started = Bench.now()
        let page = FieldReport(title: "benchmark", generatedAt: 0, table: table, matches: report.matches, dailyRisks: risks, model: model,
                               calibration: .init(txPower: -13, rssiCorrection: -16, source: "benchmark"), keyFiles: ["keys.zip"])
        let built = Bench.now() - started
        let html = page.html()
        let total = Bench.now() - started
        let bytes = html.utf8.count
        // What the same sightings weigh as `radio test --sightings-out` JSON lines (about 150 bytes each).
        let jsonLines = table.count * 150
        print("  sort of the \(Bench.grouped(sortedTimes.count)) sighting times (the bound): \(String(format: "%.3f", bound)) s")
        print("  report: built in \(String(format: "%.3f", built)) s, rendered in \(String(format: "%.3f", total - built)) s; "
              + "\(String(format: "%.2f", total / max(bound, 1e-6)))× the bound")
        print("  page: \(Bench.grouped(bytes)) bytes (\(String(format: "%.4f", Double(bytes) / Double(jsonLines)))× the sightings as JSON lines); "
              + "\(page.traces.count) traces, \(page.continuity.count) days of continuity")
        print("  peak RSS \(String(format: "%.0f", Bench.peakRSSMiB())) MiB (\(String(format: "%.0f", rssBefore)) MiB before the report: the table and its index)")
    }
}
