import ArgumentParser

/// `bleagent store …`: the encrypted contact store.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the encrypted contact store (what is held, how much, how old).",
        subcommands: [StoreStatsCommand.self, StoreCheckCommand.self, StoreImportCommand.self, StoreExportCommand.self]
    )
}
