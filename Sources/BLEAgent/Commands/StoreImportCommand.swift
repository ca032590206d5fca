import AgentTime
import ArgumentParser
import ContactStore
import ExposureNotification
import Foundation

/// `bleagent store import`: sightings recorded by another scanner, into the contact store.
struct StoreImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import sightings (JSON lines, CSV or a btmon capture, as `bleagent match` reads them) into the contact store.",
        discussion: "The daemon must be stopped (it holds the store). Sightings older than 14 days are refused, as the store refuses them from the radio."
    )

    @Argument(help: ArgumentHelp("Sightings: JSON lines, CSV or a btmon capture.", valueName: "FILE"))
    var file: String

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let table = try SightingsFile.read(file)
            let now = Int64(Date().timeIntervalSince1970)
            let result: ContactStore.IngestResult
            let directory = try state.directory()
            do throws(StoreError) {
                let store = try await ContactStore.open(directory, now: now, expiring: SystemClockSync.read() == .synchronized)
                result = try await store.record(table.sightings, now: now)
            } catch {
                throw error.cliError
            }
            if output.json {
                try Output.json(["stored": result.stored, "dropped_by_cap": result.droppedByCap, "rejected_time": result.rejectedTime])
            } else {
                Output.line("Stored \(result.stored) sightings (\(result.droppedByCap) dropped at the daily cap, \(result.rejectedTime) outside the kept 14 days).")
            }
        }
    }
}
