import ArgumentParser

@main
struct BLEAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bleagent")
}
