import ArgumentParser
import BlueZ
import ExposureNotification
import Foundation

/// `bleagent sightings convert`: a btmon capture (or a sightings file) into JSON lines or CSV.
struct SightingsConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Turn a btmon capture (btsnoop) or a sightings file into sightings as JSON lines or CSV.",
        discussion: """
        INPUT is a capture written by `btmon -w FILE` (or another btsnoop HCI log: datalinks 1001, 1002, \
        2001), or a sightings file (JSON lines or CSV) to re-write in the other format. From a capture, \
        every LE advertising report (legacy or extended) carrying 0xFD6F service data counts, at the \
        RSSI the controller reported; reports are grouped as the agent groups them: one sighting per \
        RPI per scan instance, rssi their rounded mean, rssi_max the strongest. A capture does not say \
        when scanning started, so a scan instance begins after a gap of more than --scan-gap seconds \
        without a GAEN report (the agent scans 4 s every 240 s); seconds_since_last_scan is the time \
        since the previous instance began, the first counting as --scan-period, none more than two. \
        Each controller is grouped on its own (--controller to take some only).

        Examples:
          sudo btmon -w capture.btsnoop                 # while anything scans
          bleagent sightings convert capture.btsnoop -o heard.csv
          bleagent sightings convert capture.btsnoop -o h.jsonl --keep-packets
          bleagent match --sightings heard.csv --keys keys.zip --public-key key.pem

        Writes only OUTPUT (mode 0600, replaced if there), never the contact store. Exit 65 if INPUT is \
        malformed (the record or line is named), 66 if it cannot be read.
        """
    )

    @Argument(help: ArgumentHelp("A btsnoop capture (btmon -w), or a sightings file.", valueName: "INPUT"))
    var input: String

    @OptionGroup var destination: SightingsOutputOptions

    @Flag(help: "Keep every packet's RSSI (rssi_packets).")
    var keepPackets = false

    @Option(help: ArgumentHelp("Seconds without a GAEN report that end a scan instance (captures).", valueName: "SECONDS"))
    var scanGap: Double = 30

    @Option(help: ArgumentHelp("The capturing scanner's scan period, seconds (captures; the agent's default is 240).", valueName: "SECONDS"))
    var scanPeriod: Double = 240

    @Option(help: ArgumentHelp("Only this controller of a capture (hciN or N; repeatable).", valueName: "hciN"))
    var controller: [String] = []

    @OptionGroup var options: OutputOptions

    func validate() throws {
        guard scanGap > 0, scanGap <= 86_400, scanPeriod > 0, scanPeriod <= 32_767 else {
            throw ValidationError("need 0 < --scan-gap ≤ 86400 and 0 < --scan-period ≤ 32767")
        }
        guard controllerIndexes != nil else { throw ValidationError("--controller must be hciN or N") }
    }

    var controllerIndexes: Set<UInt16>? {
        var indexes = Set<UInt16>()
        for name in controller {
            guard let index = UInt16(name.hasPrefix("hci") ? String(name.dropFirst(3)) : name) else { return nil }
            indexes.insert(index)
        }
        return indexes
    }

    struct Report: Encodable {
        var input: String
        var inputFormat: String
        var records: Int?
        var advertisingReports: Int?
        var gaenReports: Int?
        var controllers: [String]?
        var scanInstances: Int?
        var firstReport: Int64?
        var lastReport: Int64?
        var sightings: Int
        var rpis: Int
        var output: String
        var outputFormat: String
    }

    func run() async throws {
        try await reportingErrors {
            let data = try SightingsFile.mapped(input)
            let outputFormat = destination.resolvedFormat
            let output = destination.output
            var report: Report
            var entries: [SightingsFile.Entry]
            if BtsnoopReader.isCapture(data) {
                let configuration = CaptureScans.Configuration(scanGap: scanGap, scanPeriod: scanPeriod, keepsPackets: keepPackets,
                                                               controllers: controller.isEmpty ? nil : controllerIndexes)
                let (read, summary) = try SightingsFile.capture(data, path: input, configuration: configuration)
                entries = read
                report = Report(input: input, inputFormat: "btsnoop", records: summary.records, advertisingReports: summary.advertisingReports,
                                gaenReports: summary.gaenReports, controllers: summary.controllers.sorted().map { "hci\($0)" },
                                scanInstances: summary.scanInstances, firstReport: summary.firstReport.map { Int64($0) },
                                lastReport: summary.lastReport.map { Int64($0) },
                                sightings: entries.count, rpis: 0, output: output, outputFormat: outputFormat.rawValue)
            } else {
                entries = try SightingsFile.readEntries(input)
                if !keepPackets { entries = entries.map { SightingsFile.Entry(sighting: $0.sighting, rssiPackets: nil) } }
                let text = data.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) }
                    == UInt8(ascii: "{") ? "jsonl" : "csv"
                report = Report(input: input, inputFormat: text, sightings: entries.count, rpis: 0,
                                output: output, outputFormat: outputFormat.rawValue)
            }
            report.rpis = Set(entries.map(\.sighting.rpi)).count
            try SightingsFile.create(entries, at: output, format: outputFormat)
            if options.json {
                try Output.json(report)
                return
            }
            if let records = report.records {
                let from = report.controllers.map { $0.isEmpty ? "" : " from \($0.joined(separator: ", "))" } ?? ""
                Output.line("Read \(input): \(records) records, \(report.advertisingReports ?? 0) advertising reports, \(report.gaenReports ?? 0) GAEN reports\(from).")
                Output.line("Scan instances: \(report.scanInstances ?? 0) (a new one after more than \(Self.seconds(scanGap)) s without a GAEN report).")
            }
            Output.line("Wrote \(output) (\(outputFormat.name), owner only): \(entries.count) sightings of \(report.rpis) RPIs\(keepPackets ? ", with every packet's RSSI" : "").")
            Output.line("It holds the identifiers and signal strength of people nearby: keep it to yourself.")
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
