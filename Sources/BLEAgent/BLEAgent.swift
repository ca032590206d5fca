import ArgumentParser
import Release

/// `bleagent`: the exposure-notification agent and its command-line tools.
@main
struct BLEAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bleagent",
        abstract: "Privacy-preserving exposure notification (GAEN/COCOA) for Linux.",
        discussion: """
        Every verb prints for people by default and JSON with --json; under --json an error is one JSON \
        object on standard error: {"error": NAME, "message": TEXT, "exit_code": N}. Verbs that only read \
        (status, exposures, keys own, store stats, store check) never create a store or a key.

        Text for people is in Japanese when the locale is Japanese (the first set of LC_ALL, LC_MESSAGES \
        and LANG starts with ja, e.g. ja_JP.UTF-8), in English otherwise. --json output, JSON errors, \
        exit codes, log and journal lines (but for a contact notice's text), --help and the D-Bus API \
        are the same in every locale.

        Exit codes, one meaning each in every verb:
          0   done
          1   failure; for status: the daemon runs but records nothing (reason shown)
          3   refused: a processing number, an upload, a signature or a key file
          64  bad usage (an option or argument)
          65  malformed input data
          66  no input: a file, or the contact store, is missing
          69  unavailable: the daemon is not running, the server cannot be reached
          77  permission denied: run as root or a member of the bleagent group
          78  bad configuration (bleagent config check names the key)
        """,
        version: BLEAgentVersion.current,
        subcommands: [RunCommand.self, StatusCommand.self, ExposuresCommand.self, DownloadCommand.self, ConsentCommand.self, RegisterCommand.self, LogsCommand.self, GuidanceCommand.self, NotifyCommand.self, DemoCommand.self, CryptoCommand.self, KeysCommand.self, MatchCommand.self, SightingsCommand.self, StoreCommand.self, ForgetCommand.self, ConfigCommand.self, RadioCommand.self, FieldCommand.self]
    )

    /// ArgumentParser's own `main`, but under `--json` its errors too (bad usage, …) are a JSON
    /// object on standard error, like every verb's.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let text = message(for: error)
            // --help, --version, and a bare exit code (the verb has said why) go out as ArgumentParser has them.
            guard CLIError.jsonRequested(), code != .success, !text.isEmpty, !(error is ExitCode) else { exit(withError: error) }
            CLIError(CLIError.Kind(code: code.rawValue) ?? .failure, text).report(json: true)
            exit(withError: ExitCode(code.rawValue))
        }
    }
}

enum BLEAgentVersion {
    static let current = Release.version
}
