import ArgumentParser

/// `bleagent keys …`: diagnosis-key files.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Read, verify and write diagnosis-key export files.",
        subcommands: [KeysInspectCommand.self, KeysExportCommand.self]
    )
}
