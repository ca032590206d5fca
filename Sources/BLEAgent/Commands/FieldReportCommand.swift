import ArgumentParser
import Durability
import ExposureNotification
import FieldReport
import Foundation

/// `bleagent field report`: one HTML page of plots from sightings and key files.
struct FieldReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page of plots: what was heard, what matched, how it was judged.",
        discussion: """
        Matches --sightings (as `bleagent match` reads them: JSON lines, CSV or a btmon capture) against \
        --keys with the same functions the daemon uses, and draws: attenuation over time for each \
        matched key with the model's bucket thresholds, a histogram of attenuation with the buckets, \
        each day's score against the threshold, detection continuity (the 10-minute intervals with at \
        least one sighting) and the calibration in force. The page has no script and loads nothing: it \
        opens from disk, offline, in any browser.

        The risk model is --risk, else the configuration's, with this device's RSSI correction added \
        (`bleagent status`): use --config of the device that made the sightings. The page holds the \
        times of contacts: it is written for the owner only (mode 0600).

        Try:  bleagent field report --sightings heard.jsonl --keys keys/*.zip -o report.html
        """
    )

    @Option(help: ArgumentHelp("Sightings: JSON lines, CSV, or a btmon capture.", valueName: "FILE"))
    var sightings: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Diagnosis-key files (.zip or export.bin).", valueName: "PATH"))
    var keys: [String] = []

    @OptionGroup var keyring: KeyringOptions

    @Option(help: ArgumentHelp(RiskOption.help, valueName: "PRESET|FILE"))
    var risk: String?

    @Option(help: ArgumentHelp("Judge as of this UTC day (default: the day of the last sighting).", valueName: "YYYY-MM-DD"))
    var today: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the page.", valueName: "FILE.html"))
    var output: String = "field-report.html"

    @Option(help: "The page's title.")
    var title: String = "bleagent field report"

    @OptionGroup var configuration: RadioConfigOption
    @OptionGroup var options: OutputOptions

    func validate() throws {
        if let today, ExposureDay(iso8601: today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
    }

    struct Summary: Encodable {
        var output: String
        var bytes: Int
        var sightings: Int
        var matchedKeys: Int
        var contactDays: [String]
        var risk: String
    }

    func run() async throws {
        try await reportingErrors {
            let loaded = try configuration.load()
            let calibration = loaded.hostCalibration()
            let judged = loaded.risk(for: calibration, model: try risk.map { try RiskOption.load($0) })
            let table = try SightingsFile.read(sightings)
            let report = keys.isEmpty ? nil : try keyring.match(table, keyFiles: keys)
            let matches = report?.matches ?? []
            for file in report?.files ?? [] {
                if case .rejected(let why) = file.status { Output.warning("\(file.name) was refused: \(why)") }
            }
            let lastDay = table.sightings.map(\.time).max().map(ExposureDay.init(unixSeconds:))
            let judgedDay = today.flatMap(ExposureDay.init(iso8601:)) ?? lastDay ?? ExposureDay(unixSeconds: Int64(Date().timeIntervalSince1970))
            let windows = ExposureWindowBuilder.windows(from: matches, table: table, configuration: judged)
            let days = ContactJudgement.dailyRisks(windows: windows, configuration: judged, today: judgedDay)
            let page = FieldReport(title: title, generatedAt: Int64(Date().timeIntervalSince1970), table: table, matches: matches,
                                   dailyRisks: days, model: judged,
                                   calibration: .init(txPower: Int(calibration.txPower), rssiCorrection: calibration.rssiCorrection,
                                                      source: "this device: \(calibration.sourceDescription)"),
                                   keyFiles: keys.map { URL(fileURLWithPath: $0).lastPathComponent })
            let html = Data(page.html().utf8)
            do {
                try DurableFile.write(html, to: output, mode: 0o600, createFolders: false)
            } catch {
                throw CLIError(.failure, "cannot write \(output): \(error)")
            }
            let summary = Summary(output: output, bytes: html.count, sightings: table.count, matchedKeys: matches.count,
                                  contactDays: days.filter(\.isContactDay).map(\.day.iso8601), risk: judged.name)
            if options.json {
                try Output.json(summary)
            } else {
                Output.line("Wrote \(output) (\(html.count / 1024) KiB, owner only): \(table.count) sightings, \(matches.count) matched key\(matches.count == 1 ? "" : "s"), "
                            + (summary.contactDays.isEmpty ? "no contact day" : "contact days \(summary.contactDays.joined(separator: ", "))")
                            + " under \(judged.name). Open it in a browser; it loads nothing from the network.")
            }
        }
    }
}
