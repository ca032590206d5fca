import ArgumentParser
import ContactStore
import ExposureNotification
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `bleagent store export`: the sightings the contact store holds, into a file of the tester's own.
struct StoreExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the sightings the contact store holds to a file (root only; asks for --yes).",
        discussion: """
        For a field tester's own analysis: every sighting the store holds (time, RPI, AEM, RSSI mean and \
        max, seconds since the previous scan; the last 14 days) as JSON lines or CSV, in the form \
        `bleagent match` and `bleagent store import` read. The file holds the rotating identifiers and \
        signal strength of the people who were near this device: it leaves the store's encryption and \
        14-day expiry behind, and keeping it safe and deleting it is the tester's own responsibility. \
        Without --yes it only says what it would write. Reads the store without changing it, the daemon \
        running or not. Root only (exit 77 otherwise). OUTPUT is written with mode 0600, replacing a \
        file there.
        """
    )

    @OptionGroup var destination: SightingsOutputOptions

    @Flag(help: "Write the file (without it, only say what would be written).")
    var yes = false

    @OptionGroup var state: StateOptions
    @OptionGroup var options: OutputOptions

    struct Report: Encodable {
        var output: String
        var format: String
        var sightings: Int
        var rpis: Int
        var days: [String]
        var unreadableChunks: Int
        var written: Bool
    }

    func run() async throws {
        try await reportingErrors {
            guard geteuid() == 0 else {
                throw CLIError(.permission, "exporting the contact store's sightings is for root only: run sudo bleagent store export")
            }
            let directory = try state.directory()
            let now = Int64(Date().timeIntervalSince1970)
            let held: (table: SightingTable, unreadableChunks: Int)
            do throws(StoreError) {
                held = try ContactStore.heldSightings(of: directory, now: now)
            } catch {
                throw error.cliError
            }
            let outputFormat = destination.resolvedFormat
            let output = destination.output
            let sightings = held.table.sightings
            let days = Set(sightings.map(\.day)).sorted().map(\.iso8601)
            var report = Report(output: output, format: outputFormat.rawValue, sightings: sightings.count,
                                rpis: Set(sightings.map(\.rpi)).count, days: days, unreadableChunks: held.unreadableChunks, written: false)
            if yes {
                try SightingsFile.create(sightings.map { SightingsFile.Entry(sighting: $0, rssiPackets: nil) }, at: output, format: outputFormat)
                report.written = true
            }
            if options.json {
                try Output.json(report)
            } else {
                let span = days.isEmpty ? "no day" : days.count == 1 ? "1 day (\(days[0]))" : "\(days.count) days (\(days[0]) to \(days[days.count - 1]))"
                Output.line("\(yes ? "Wrote" : "Would write") \(output) (\(outputFormat.name), mode 0600): \(report.sightings) sightings of \(report.rpis) RPIs over \(span), from \(directory.path).")
                if held.unreadableChunks > 0 { Output.line("\(held.unreadableChunks) record chunks could not be read and are not in it (see bleagent store check).") }
                Output.line("The file holds the rotating identifiers (RPIs) and signal strength of people who were near this device,")
                Output.line("outside the store's encryption and 14-day expiry: keeping it safe and deleting it is your responsibility.")
            }
            if !yes { throw CLIError(.failure, "nothing written: run again with --yes to write \(output)") }
        }
    }
}
