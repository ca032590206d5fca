import ArgumentParser

/// `bleagent keys …`: diagnosis-key files.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Read, verify and write diagnosis-key export files; show this device's own keys.",
        subcommands: [KeysInspectCommand.self, KeysExportCommand.self, KeysOwnCommand.self]
    )
}
