import ArgumentParser

/// `bleagent`: the exposure-notification agent and its command-line tools.
@main
struct BLEAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bleagent",
        abstract: "Privacy-preserving exposure notification (GAEN/COCOA) for Linux.",
        discussion: """
        Every verb prints for people by default and JSON with --json.
        Exit codes: 0 success, 1 failure, 3 a signature did not verify or a file was refused,
        64 bad usage, 65 malformed input data, 66 input file missing or unreadable,
        69 the daemon is not running (verbs that need it), 78 bad configuration (run).
        """,
        version: BLEAgentVersion.current,
        subcommands: [RunCommand.self, StatusCommand.self, ExposuresCommand.self, DownloadCommand.self, ConsentCommand.self, RegisterCommand.self, LogsCommand.self, GuidanceCommand.self, NotifyCommand.self, DemoCommand.self, CryptoCommand.self, KeysCommand.self, MatchCommand.self, StoreCommand.self, ForgetCommand.self, RadioCommand.self, FieldCommand.self]
    )
}

enum BLEAgentVersion {
    static let current = "0.1.0"
}
