import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent logs preview|send`: operation logs for support, shown before anything is sent.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show, and with your consent send, an operation log for support.",
        discussion: """
        The log holds versions (bleagent, OS, kernel, BlueZ), the board model, the daemon's operating \
        state and its journal messages of the last 3 days, with host name, IP and Bluetooth addresses, \
        identifiers, keys, user names and dates removed. It never holds contact days. `preview` prints \
        what `send` would upload; `send --consent` uploads it to [registration] server and prints the \
        log ID to quote to support. To send exactly the bytes you read (the journal may grow meanwhile):
          bleagent logs preview --out log.json
          bleagent logs send --consent --file log.json
        """,
        subcommands: [Preview.self, Send.self])

    static func collect() async -> OperationLog {
        let status: DaemonStatus? = await {
            do throws(DaemonClient.Failure) {
                return try await DaemonClient.connect().json("GetStatus", as: DaemonStatus.self)
            } catch {
                return nil
            }
        }()
        return OperationLog.collect(status: status)
    }

    static func document(_ log: OperationLog) throws(CLIError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            return try encoder.encode(log) + Data("\n".utf8)
        } catch {
            throw CLIError(.failure, "cannot encode the log: \(error)")
        }
    }

    /// A document `logs preview --out` wrote: sent as it is, once it is seen to be one.
    static func previewed(_ path: String) throws(CLIError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError(.noInput, "cannot read \(path)") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              object["format"] as? String == OperationLog.format else {
            throw CLIError(.dataError, "\(path) is not an operation log written by `bleagent logs preview --out`")
        }
        return data
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "preview", abstract: "Print exactly what `logs send` would upload.")

        @Option(help: ArgumentHelp("Also write it to this file, for `logs send --file`.", valueName: "PATH"))
        var out: String?

        /// The log is JSON already; --json makes an error JSON too.
        @OptionGroup var output: ErrorOutputOptions

        func run() async throws {
            try await reportingErrors {
                let document = try LogsCommand.document(await LogsCommand.collect())
                if let out {
                    try InputFiles.write(document, to: out, mode: 0o600)
                }
                FileHandle.standardOutput.write(document)
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send", abstract: "Upload the operation log (what `logs preview` shows) and print its log ID.",
            discussion: "Exit codes: 0 sent, 1 not sent (no consent), 65 no server configured, 69 the server is unreachable.")

        @OptionGroup var target: NotificationServerOptions
        @Flag(help: "You have read `bleagent logs preview` and agree to send it.")
        var consent = false
        @Option(help: ArgumentHelp("Send this file written by `logs preview --out`, byte for byte, instead of collecting anew.", valueName: "PATH"))
        var file: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let (_, base) = try target.resolve()
                guard consent else {
                    throw CLIError(.failure, "not sent: read `bleagent logs preview`, then run `bleagent logs send --consent`")
                }
                let document: Data
                if let file {
                    document = try LogsCommand.previewed(file)
                } else {
                    document = try LogsCommand.document(await LogsCommand.collect())
                }
                let zip: Data
                do {
                    zip = try ExportWriter.zip(entries: [("operation-log.json", document)])
                } catch {
                    throw CLIError(.failure, "\(error)")
                }
                let answer: NotificationServerClient.Answer
                do throws(NotificationServerClient.Failure) {
                    answer = try await NotificationServerClient(base: base).uploadLog(zip)
                } catch {
                    switch error {
                    case .unreachable(let detail): throw CLIError(.unavailable, "the server could not be reached: \(detail)")
                    case .refused(_, _, let message): throw CLIError(.refused, "the server refused the log: \(message)")
                    case .throttled(let seconds):
                        throw CLIError(.refused, "the server refused the log: the server asks to wait \(seconds) s before trying again")
                    }
                }
                guard let id = answer.body.logId else {
                    throw CLIError(.failure, "the server did not answer with a log ID: treat the log as not received")
                }
                if output.json { try Output.json(["log_id": id]); return }
                Output.line("Sent. Log ID: \(id)  (quote it to support)")
            }
        }
    }
}
