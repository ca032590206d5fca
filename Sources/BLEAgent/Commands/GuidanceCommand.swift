import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent guidance`: what to do after a contact, and whom to ask, per prefecture.
struct GuidanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guidance",
        abstract: "What to do after a contact: COCOA's questions, the advice, and the consultation contact of a prefecture.",
        discussion: """
        Answer the questions with --symptoms and --close-contact to get one piece of advice; without them \
        all branches are shown. The data file (default /usr/local/share/bleagent/guidance.json, or \
        [guidance] file in the configuration, or --file) is meant to be edited: fill in your \
        prefecture's consultation centre from its official website.
        """
    )

    @Option(help: "Prefecture, in English or Japanese (Tokyo, 東京都).")
    var prefecture: String?

    @Option(help: ArgumentHelp("Do you have symptoms? yes or no.", valueName: "yes|no"))
    var symptoms: String?

    @Option(help: ArgumentHelp("Has someone close to you been infected or have symptoms? yes or no.", valueName: "yes|no"))
    var closeContact: String?

    @Option(help: ArgumentHelp("Guidance data file.", valueName: "PATH"))
    var file: String?

    @Option(help: ArgumentHelp("Configuration file, for its [guidance] file.", valueName: "PATH"))
    var config: String?

    @OptionGroup var output: OutputOptions

    /// The data file. Each text for people has a Japanese twin in a `_ja` field (optional: an older
    /// or local file without them is shown in English); `--json` prints the English fields only.
    struct Guidance: Decodable {
        struct Question: Decodable {
            var id: String
            var text: String
            var textJa: String?

            func text(_ language: Language) -> String { language == .japanese ? textJa ?? text : text }
        }
        struct Prefecture: Codable {
            var name: String
            var nameJa: String
            var contact: String?
            var phone: String?
            var url: String?
        }
        var source: String
        var sourceJa: String?
        var date: String
        var note: String?
        var questions: [Question]
        var advice: [String: String]
        var adviceJa: [String: String]?
        /// Where to look when a prefecture's own contact is not filled in.
        var national: National?
        var prefectures: [Prefecture]

        struct National: Codable {
            var contact: String
            var contactJa: String?
            var url: String?
            var phoneLine: String?
            var phoneLineJa: String?
            var asOf: String?

            /// `--json`: the fields it has always had.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(contact, forKey: .contact)
                try container.encodeIfPresent(url, forKey: .url)
                try container.encodeIfPresent(phoneLine, forKey: .phoneLine)
                try container.encodeIfPresent(asOf, forKey: .asOf)
            }
        }

        /// The advice for `key` as `language` reads it.
        func advice(_ key: String, _ language: Language) -> String {
            (language == .japanese ? adviceJa?[key] : nil) ?? advice[key] ?? ""
        }
    }

    func validate() throws {
        for (name, value) in [("--symptoms", symptoms), ("--close-contact", closeContact)] {
            if let value, !["yes", "no"].contains(value.lowercased()) { throw ValidationError("\(name) takes yes or no") }
        }
    }

    static func defaultFile() -> String {
        let candidates = ["/usr/local/share/bleagent/guidance.json", "/usr/share/bleagent/guidance.json",
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("guidance.json").path]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }

    func run() async throws {
        try await reportingErrors {
            // The configuration must load (78 if refused): a silent default would show other guidance.
            let configured = try AgentConfiguration.loadForCLI(path: config).guidanceFile
            let path = file ?? configured ?? Self.defaultFile()
            let guidance: Guidance
            do {
                guidance = try SnakeCaseJSON.decoder().decode(Guidance.self, from: try InputFiles.data(path, what: "guidance file"))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError(.dataError, "\(path): \(JSONErrors.describe(error))")
            }
            var chosen: Guidance.Prefecture?
            if let prefecture {
                chosen = guidance.prefectures.first { $0.name.lowercased() == prefecture.lowercased() || $0.nameJa == prefecture
                    || $0.nameJa.dropLast() == prefecture[...] }
                guard chosen != nil else { throw CLIError(.dataError, GuidanceText.unknownPrefecture(prefecture)) }
            }
            let key: String? = switch (symptoms?.lowercased(), closeContact?.lowercased()) {
            case ("yes", _): "symptoms"
            case ("no", "yes"): "close_contact"
            case ("no", "no"): "neither"
            default: nil
            }
            if output.json {
                struct Answer: Encodable {
                    var advice: [String: String]; var prefecture: Guidance.Prefecture?; var national: Guidance.National?; var source: String; var date: String
                }
                try Output.json(Answer(advice: key.map { [$0: guidance.advice[$0] ?? ""] } ?? guidance.advice, prefecture: chosen,
                                       national: guidance.national, source: guidance.source, date: guidance.date))
                return
            }
            let language = output.language
            let japanese = language == .japanese
            if let key {
                Output.line(guidance.advice(key, language))
            } else {
                for question in guidance.questions { Output.line("• \(question.text(language))") }
                Output.line()
                Output.line(GuidanceText.ifSymptoms(guidance.advice("symptoms", language)).text(language))
                Output.line(GuidanceText.ifCloseContact(guidance.advice("close_contact", language)).text(language))
                Output.line(GuidanceText.otherwise(guidance.advice("neither", language)).text(language))
            }
            if let chosen {
                Output.line()
                let contact = [chosen.contact, chosen.phone, chosen.url].compactMap { $0 }.joined(separator: japanese ? "、" : ", ")
                Output.line((contact.isEmpty ? GuidanceText.prefectureWithoutContact(name: chosen.name, nameJa: chosen.nameJa, file: path)
                                             : .prefectureContact(name: chosen.name, nameJa: chosen.nameJa, contact: contact)).text(language))
            }
            if let national = guidance.national, chosen.map({ [$0.contact, $0.phone, $0.url].allSatisfy { $0 == nil } }) ?? true {
                let contact = (japanese ? national.contactJa : nil) ?? national.contact
                Output.line(GuidanceText.national(contact: contact, url: national.url ?? "", asOf: national.asOf).text(language))
                if let line = (japanese ? national.phoneLineJa : nil) ?? national.phoneLine { Output.line(line) }
            }
            Output.line()
            Output.line(GuidanceText.source((japanese ? guidance.sourceJa : nil) ?? guidance.source, date: guidance.date).text(language))
        }
    }
}
