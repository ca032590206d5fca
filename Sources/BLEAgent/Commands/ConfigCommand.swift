import ArgumentParser

/// `bleagent config …`: the agent's configuration file.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the agent's configuration file.",
        subcommands: [ConfigCheckCommand.self]
    )
}
