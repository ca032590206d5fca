import ArgumentParser
import ContactStore
import Foundation

/// `bleagent forget`: deletes every record, unrecoverably (the same wipe consent withdrawal uses).
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Delete everything the agent recorded, unrecoverably.",
        discussion: """
        Destroys the store's keys (overwriting the key files in place) and removes every file of the
        contact store: sightings, own keys, judged days, download state, consent. Nothing can be
        recovered afterwards, not even from a copy of the database. Asks for confirmation unless --yes.
        """
    )

    @OptionGroup var state: StateOptions

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        try await reportingErrors {
            let directory = state.directory
            guard directory.exists else {
                Output.line("Nothing to forget: there is no contact store in \(directory.path).")
                return
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw CLIError(.failure, "not asking for confirmation without a terminal: run `bleagent forget --yes`")
                }
                Output.prompt("This deletes every record in \(directory.path) unrecoverably. Type \"yes\" to continue: ")
                guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                    Output.line("Nothing was deleted.")
                    throw ExitCode(1)
                }
            }
            do throws(StoreError) {
                try ContactStore.wipe(directory)
            } catch {
                if case .locked = error {
                    throw CLIError(.failure, "the bleagent daemon has the store open: stop it first (systemctl stop bleagent), then run bleagent forget again")
                }
                throw error.cliError
            }
            Output.line("Forgotten: every record in \(directory.path) is gone.")
        }
    }
}
