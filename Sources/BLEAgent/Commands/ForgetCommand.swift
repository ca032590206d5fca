import ArgumentParser
import ContactStore
import Foundation

/// `bleagent forget`: deletes every record, unrecoverably (the same wipe consent withdrawal uses).
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Delete everything the agent recorded, unrecoverably.",
        discussion: """
        Destroys the store's keys (overwriting the key files in place) and removes every file of the \
        contact store: sightings, own keys, judged days, download state, consent, and a pending \
        registration's processing number. Nothing can be recovered afterwards, not even from a copy \
        of the database. With the daemon running, the daemon does it (and the desktop companion \
        forgets the notices it showed). Asks for confirmation unless --yes. Exit 77 when this user \
        may not delete them (never "nothing to forget").
        """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        try await reportingErrors {
            let directory = try state.directory()
            let language = output.language
            // The daemon holds the store open: it forgets (the same wipe as withdrawing consent).
            var daemon: DaemonClient?
            do throws(DaemonClient.Failure) {
                let client = try await DaemonClient.connect()
                if try await client.daemonIsRunning() { daemon = client }
            } catch {
                guard case .notRunning = error else { throw DaemonClient.cliError(error) }
            }
            if daemon == nil {
                switch LocalForget.presence(of: directory) {
                case .nothing:
                    if output.json { try Output.json(Report(forgotten: false, stateDirectory: directory.path, by: nil)); return }
                    Output.line(ForgetText.nothingToForget(directory: directory.path).text(language))
                    return
                case .notPermitted:
                    throw CLIError(.permission, ForgetText.notPermitted(directory: directory.path))
                case .store:
                    break
                }
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw CLIError(.failure, ForgetText.noTerminal)
                }
                Output.prompt(ForgetText.askToConfirm(directory: daemon == nil ? directory.path : nil).text(language))
                guard YesNoAnswer.confirms(readLine()) else {
                    Output.line(ForgetText.nothingDeleted.text(language))
                    throw ExitCode(1)
                }
            }
            if let daemon {
                do throws(DaemonClient.Failure) {
                    _ = try await daemon.call("Forget")
                } catch {
                    throw DaemonClient.cliError(error, denied: ForgetText.daemonRefused)
                }
                if output.json { try Output.json(Report(forgotten: true, stateDirectory: nil, by: "daemon")); return }
                Output.line(ForgetText.forgottenByDaemon.text(language))
                return
            }
            do throws(StoreError) {
                try LocalForget.wipe(directory)
            } catch {
                if case .locked = error {
                    throw CLIError(.failure, ForgetText.storeInUse)
                }
                throw error.cliError
            }
            if output.json { try Output.json(Report(forgotten: true, stateDirectory: directory.path, by: "cli")); return }
            Output.line(ForgetText.forgotten(directory: directory.path).text(language))
        }
    }

    /// `--json`: whether anything was forgotten, where, and by whom (the daemon or this command).
    struct Report: Encodable {
        var forgotten: Bool
        var stateDirectory: String?
        var by: String?
    }
}
