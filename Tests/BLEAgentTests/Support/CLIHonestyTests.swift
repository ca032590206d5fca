import ArgumentParser
@testable import BLEAgent
import Foundation
import Testing

/// Issue 18 item 4 in the CLI's own types: help paragraphs, exit codes, configuration errors.
struct CLIHonestyTests {
    /// Every command, leaves and groups, under the root.
    static func allCommands(_ command: any ParsableCommand.Type = BLEAgentCommand.self) -> [any ParsableCommand.Type] {
        [command] + command.configuration.subcommands.flatMap { allCommands($0) }
    }

    /// A paragraph is one source line: printed wide enough never to wrap, no line of a discussion
    /// breaks before a lower-case word (a sentence cut where the source line ended).
    @Test func helpParagraphsAreNotBrokenMidSentence() {
        var broken: [String] = []
        for command in Self.allCommands() {
            let help = BLEAgentCommand.helpMessage(for: command, columns: 100_000)
            let discussion = help.components(separatedBy: "USAGE:")[0]
            let lines = discussion.components(separatedBy: "\n")
            for (previous, line) in zip(lines, lines.dropFirst()) where !previous.isEmpty {
                let trimmed = line.drop { $0 == " " }   // indented lines are examples and tables
                guard line.count == trimmed.count, let first = trimmed.first, first.isLowercase else { continue }
                broken.append("\(command.configuration.commandName ?? "?"): …\(previous.suffix(30))⏎\(line.prefix(30))…")
            }
        }
        #expect(broken == [])
        #expect(Self.allCommands().count > 30)
    }

    /// A paragraph's words are one space apart: a run of spaces inside a sentence is a source line
    /// joined without its `\` continuation (the indentation of the next line kept).
    @Test func helpParagraphsHaveNoRunsOfSpaces() {
        var gaps: [String] = []
        for command in Self.allCommands() {
            let discussion = command.configuration.discussion
            for line in discussion.components(separatedBy: "\n") where line.first != " " {
                if let gap = line.range(of: "   ") { gaps.append("\(command.configuration.commandName ?? "?"): …\(line[..<gap.lowerBound].suffix(30))") }
            }
        }
        #expect(gaps == [])
    }

    @Test func exitCodesHaveOneMeaningEach() {
        let codes = CLIError.Kind.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(Set(CLIError.Kind.allCases.map(\.name)).count == codes.count)
        #expect(codes.sorted() == [1, 3, 64, 65, 66, 69, 77, 78])
        for kind in CLIError.Kind.allCases { #expect(CLIError.Kind(code: kind.code) == kind) }
    }

    @Test func jsonIsSeenBeforeADoubleDash() {
        #expect(CLIError.jsonRequested(["bleagent", "status", "--json"]))
        #expect(!CLIError.jsonRequested(["bleagent", "status"]))
        #expect(!CLIError.jsonRequested(["bleagent", "match", "--", "--json"]))
    }

    /// A configuration that does not load is said (78), never replaced by the default state directory:
    /// `forget` would otherwise answer "Nothing to forget" about another folder.
    @Test func aBrokenConfigurationIsAConfigurationError() throws {
        let path = NSTemporaryDirectory() + "bleagent-cli-\(UUID().uuidString).toml"
        try "[agent]\nstate_directory = 5\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try StateOptions.resolve(stateDirectory: nil, config: nil, standardPath: path)
            Issue.record("a broken configuration was accepted")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("state_directory"))
        }
        #expect(try StateOptions.resolve(stateDirectory: "/srv/x", config: nil, standardPath: path).path == "/srv/x")
        let good = NSTemporaryDirectory() + "bleagent-cli-\(UUID().uuidString).toml"
        try "[agent]\nstate_directory = \"/srv/agent\"\n".write(toFile: good, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try StateOptions.resolve(stateDirectory: nil, config: nil, standardPath: good).path == "/srv/agent")
    }
}
