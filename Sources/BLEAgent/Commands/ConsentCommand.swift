import AgentTime
import ArgumentParser
import ContactStore
import Foundation

/// `bleagent consent`: nothing runs before it; withdrawing it deletes everything.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Give or withdraw consent (the privacy terms are shown first).",
        discussion: "Without an option: show the terms and whether consent is given. --withdraw stops everything and deletes every record, unrecoverably."
    )

    @Flag(help: "Agree to the terms: the agent starts advertising, scanning and recording.")
    var accept = false

    @Flag(help: "Withdraw consent: stop, and delete every record.")
    var withdraw = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if accept && withdraw { throw ValidationError("give --accept or --withdraw, not both") }
    }

    /// The terms, in English as `--json` carries them; people read them in their language.
    static let terms = ConsentText.terms(version: AgentDaemon.termsVersion).english

    func run() async throws {
        try await reportingErrors {
            let language = output.language
            let terms = ConsentText.terms(version: AgentDaemon.termsVersion).text(language)
            if !accept && !withdraw {
                if output.json { try Output.json(["terms_version": AgentDaemon.termsVersion, "terms": Self.terms]) } else { Output.line(terms) }
                return
            }
            if !output.json {
                Output.line(terms)
                Output.line()
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else { throw CLIError(.failure, ErrorText.noTerminalToConfirm) }
                Output.prompt((accept ? ConsentText.askToAccept : .askToWithdraw).text(language))
                guard YesNoAnswer.confirms(readLine()) else {
                    Output.line(ConsentText.nothingChanged.text(language))
                    throw ExitCode(1)
                }
            }
            do throws(DaemonClient.Failure) {
                let client = try await DaemonClient.connect()
                _ = try await client.call(accept ? "AcceptConsent" : "WithdrawConsent", accept ? [.string(AgentDaemon.termsVersion)] : [])
            } catch {
                guard case .notRunning = error else { throw DaemonClient.cliError(error) }
                try await offline()
            }
            if output.json {
                try Output.json(["consent": accept ? "given" : "withdrawn", "terms_version": AgentDaemon.termsVersion])
            } else {
                Output.line((accept ? ConsentText.given : .withdrawn).text(language))
            }
        }
    }

    /// With the daemon down: write consent into the store, or wipe it.
    private func offline() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        let directory = try state.directory()
        do throws(StoreError) {
            if accept {
                let store = try await ContactStore.open(directory, now: now, expiring: SystemClockSync.read() == .synchronized)
                try await store.saveConsent(ConsentRecord(accepted: true, decidedAt: now, termsVersion: AgentDaemon.termsVersion))
            } else {
                try LocalForget.wipe(directory)
            }
        } catch {
            throw error.cliError
        }
    }
}
