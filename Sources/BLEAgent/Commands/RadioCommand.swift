import ArgumentParser

/// `bleagent radio …`: the Bluetooth side on its own, for field tests.
struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "Field-test the radio: list adapters, advertise and scan, watch adverts live, calibrate.",
        subcommands: [RadioAdaptersCommand.self, RadioTestCommand.self, RadioWatchCommand.self, RadioCalibrateCommand.self]
    )
}
