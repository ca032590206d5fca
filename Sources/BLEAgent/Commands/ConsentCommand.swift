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

    static let terms = """
        bleagent — privacy terms (version \(AgentDaemon.termsVersion))

        • While you consent, this device broadcasts random codes that change every 10 minutes with its
          Bluetooth address, and records the codes of devices nearby with their signal strength.
        • No name, phone number, e-mail, location, or device identity is recorded. Nobody — neither you
          nor any authority — can learn where, when or with whom a contact happened.
        • Records stay on this device, encrypted, and are destroyed 14 days after they were made.
        • Keys of people who tested positive are downloaded and compared here, on this device.
        • Nothing leaves the device unless you test positive and choose to share your own daily keys.
        • Accuracy is not guaranteed: walls, glass and how the device is placed change the measured distance.
        • You can withdraw consent at any time (`bleagent consent --withdraw`): everything recorded is
          then deleted, unrecoverably.
        """

    func run() async throws {
        try await reportingErrors {
            if !accept && !withdraw {
                if output.json { try Output.json(["terms_version": AgentDaemon.termsVersion, "terms": Self.terms]) } else { Output.line(Self.terms) }
                return
            }
            if !output.json {
                Output.line(Self.terms)
                Output.line()
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else { throw CLIError(.failure, "not asking for confirmation without a terminal: add --yes") }
                Output.prompt(accept ? "Type \"yes\" to agree: " : "Type \"yes\" to withdraw and delete every record: ")
                guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                    Output.line("Nothing changed.")
                    throw ExitCode(1)
                }
            }
            do throws(DaemonClient.Failure) {
                let client = try await DaemonClient.connect()
                _ = try await client.call(accept ? "AcceptConsent" : "WithdrawConsent", accept ? [.string(AgentDaemon.termsVersion)] : [])
            } catch {
                guard case .notRunning = error else { throw CLIError(.failure, DaemonClient.explain(error)) }
                try await offline()
            }
            if output.json {
                try Output.json(["consent": accept ? "given" : "withdrawn", "terms_version": AgentDaemon.termsVersion])
            } else {
                Output.line(accept ? "Consent given: the agent now advertises, scans and records." : "Consent withdrawn: every record was deleted.")
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
