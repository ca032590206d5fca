import ArgumentParser

/// `bleagent field …`: tools for field testers.
struct FieldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "Field-testing tools: a report with plots.",
        subcommands: [FieldReportCommand.self]
    )
}
