import ArgumentParser
import ExposureNotification
import Foundation

/// A failure the CLI reports in one line, with an exit code scripts can rely on. Each code has one
/// meaning in every verb (the table is in `bleagent --help` and the README).
struct CLIError: Error, CustomStringConvertible {
    enum Kind: CaseIterable {
        /// 1: something went wrong at run time (writing a file, a download round with errors, …).
        case failure
        /// 3: refused: a processing number or upload the server refused, a signature that does not
        /// verify, a key file refused.
        case refused
        /// 64 (EX_USAGE): a bad option or argument.
        case usage
        /// 65 (EX_DATAERR): an input file is malformed.
        case dataError
        /// 66 (EX_NOINPUT): an input file or the contact store is missing.
        case noInput
        /// 69 (EX_UNAVAILABLE): the daemon (or the server, or another service needed) is not there.
        case unavailable
        /// 77 (EX_NOPERM): this user may not do that (read the store, the configuration, …).
        case permission
        /// 78 (EX_CONFIG): the configuration file is refused (or lacks a setting the verb needs).
        case configuration

        var code: Int32 {
            switch self {
            case .failure: 1
            case .refused: 3
            case .usage: 64
            case .dataError: 65
            case .noInput: 66
            case .unavailable: 69
            case .permission: 77
            case .configuration: 78
            }
        }

        /// The `error` field of a JSON error.
        var name: String {
            switch self {
            case .failure: "failure"
            case .refused: "refused"
            case .usage: "usage"
            case .dataError: "data_error"
            case .noInput: "no_input"
            case .unavailable: "unavailable"
            case .permission: "permission"
            case .configuration: "configuration"
            }
        }

        init?(code: Int32) {
            guard let kind = Self.allCases.first(where: { $0.code == code }) else { return nil }
            self = kind
        }
    }

    var kind: Kind
    /// In English: what `--json` carries, and what a person reads in any other language.
    var message: String
    /// What a person reads in Japanese (from a catalogued message; nil for the rare errors only said in English).
    var japanese: String?

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ kind: Kind, _ message: some LocalizedMessage) {
        self.kind = kind
        self.message = message.english
        self.japanese = message.japanese
    }

    var description: String { message }

    var exitCode: ExitCode { ExitCode(kind.code) }

    /// The message as `language` reads it (English where no Japanese was written).
    func text(_ language: Language) -> String {
        language == .japanese ? japanese ?? message : message
    }

    /// Writes the error to standard error: one line `bleagent: message` in the person's language, or
    /// under `--json` one JSON object `{"error": NAME, "message": …, "exit_code": N}`, always in
    /// English (scripts compare it).
    func report(json: Bool = CLIError.jsonRequested(), language: Language = .english) {
        guard json else {
            FileHandle.standardError.write(Data("bleagent: \(text(language))\n".utf8))
            return
        }
        struct Body: Encodable {
            var error: String
            var message: String
            var exitCode: Int32
        }
        let body = Body(error: kind.name, message: message, exitCode: kind.code)
        let data = (try? SnakeCaseJSON.encoder().encode(body)) ?? Data(#"{"error":"failure"}"#.utf8)
        FileHandle.standardError.write(data + Data("\n".utf8))
    }

    /// Whether `--json` is among the arguments (before a `--`): errors are then JSON too, whatever
    /// stage they come from (parsing included).
    static func jsonRequested(_ arguments: [String] = CommandLine.arguments) -> Bool {
        arguments.dropFirst().prefix { $0 != "--" }.contains("--json")
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, reporting a `CLIError` on stderr (as JSON under `--json`, else in the locale's
    /// language) and exiting with its code.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            error.report(language: Language(environment: ProcessInfo.processInfo.environment))
            throw error.exitCode
        }
    }
}
