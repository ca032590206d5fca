import AgentTime
import ArgumentParser
import ContactStore
import Foundation

/// `bleagent store check`: SQLite's integrity check and every held record opening with its key.
struct StoreCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the contact store: database integrity, and that every held record decrypts.",
        discussion: """
            Needs the store's key and the store not in use (stop the daemon first). Also reports records found lost: \
            a store that came back older than what it had acknowledged (a disk that did not keep what it \
            acknowledged in a power cut, a restored backup) is said to be incomplete for 14 days after it was found. \
            Exit code 65 if damaged or incomplete.
            """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var sqlite: String
        var chunks: Int
        var unreadableChunks: Int
        var sound: Bool
        var complete: Bool
        var loss: String?
        var lossDetectedAt: Int64?
    }

    func run() async throws {
        try await reportingErrors {
            let directory = try state.directory()
            let now = Int64(Date().timeIntervalSince1970)
            let integrity: ContactStore.IntegrityReport
            do throws(StoreError) {
                let store = try await ContactStore.open(directory, now: now, expiring: SystemClockSync.read() == .synchronized, creating: false)
                integrity = try await store.verifyIntegrity(now: now)
            } catch {
                throw error.cliError
            }
            let report = Report(sqlite: integrity.sqlite, chunks: integrity.chunks, unreadableChunks: integrity.unreadableChunks,
                                sound: integrity.isSound, complete: integrity.isComplete,
                                loss: integrity.loss?.description, lossDetectedAt: integrity.loss?.detectedAt)
            if output.json {
                try Output.json(report)
            } else {
                Output.line("SQLite integrity: \(integrity.sqlite)")
                Output.line("Record chunks:    \(integrity.chunks) (\(integrity.unreadableChunks) unreadable)")
                if let loss = integrity.loss { Output.line("Lost records:     \(loss)") }
                Output.line(!integrity.isSound ? "The store is damaged."
                            : integrity.isComplete ? "The store is sound." : "The store is sound but incomplete.")
            }
            if !integrity.isSound { throw CLIError(.dataError, "the contact store in \(directory.path) is damaged") }
            if !integrity.isComplete {
                throw CLIError(.dataError, "the contact store in \(directory.path) lost records it had acknowledged")
            }
        }
    }
}
