import AgentTime
import ArgumentParser
import ContactStore
import Foundation

/// `bleagent exposures`: the contact days of the last 14 days.
struct ExposuresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposures",
        abstract: "List the days of the last 14 on which you met someone who later tested positive.",
        discussion: """
        Date, number of contacts and minutes: no time of day, nothing about the other person. Asks the \
        running daemon; when it is down, reads the store (needs its key) and creates nothing. Exit code 0 \
        whether or not there was a contact; 66 when there is no store, 77 when this user may not read it or ask the daemon.
        """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            var entries: [ExposureEntry]
            do throws(DaemonClient.Failure) {
                entries = try await DaemonClient.connect().json("GetExposures", as: [ExposureEntry].self)
            } catch {
                guard case .notRunning = error else { throw DaemonClient.cliError(error) }
                // The daemon is down: read the store ourselves (needs its key), creating nothing.
                let directory = try state.directory()
                do throws(StoreError) {
                    let now = Int64(Date().timeIntervalSince1970)
                    let store = try await ContactStore.open(directory, now: now, expiring: SystemClockSync.read() == .synchronized, creating: false)
                    entries = try await store.contactDays(now: now).filter(\.isContactDay).map(ExposureEntry.init)
                } catch {
                    throw error.cliError
                }
            }
            if output.json { try Output.json(entries); return }
            let language = output.language
            guard !entries.isEmpty else {
                Output.line(ExposuresText.noContact.text(language))
                return
            }
            Output.line(ExposuresText.heading.text(language))
            Output.table([ExposuresText.columns.cells(language)]
                         + entries.map { [$0.date.replacingOccurrences(of: "-", with: "/"), "\($0.contacts)", "\($0.minutes)"] })
            Output.line()
            Output.line(ExposuresText.seeGuidance.text(language))
        }
    }
}
