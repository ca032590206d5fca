import ArgumentParser

/// `bleagent radio …`: the Bluetooth side on its own, for field tests.
struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "Field-test the radio: list adapters, or advertise and scan for a while.",
        subcommands: [RadioAdaptersCommand.self, RadioTestCommand.self]
    )
}
