import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent logs preview|send`: operation logs for support, shown before anything is sent.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show, and with your consent send, an operation log for support.",
        discussion: """
        The log holds versions (bleagent, OS, kernel, BlueZ), the board model, the daemon's operating
        state and its journal messages of the last 3 days, with host name, IP and Bluetooth addresses,
        identifiers, keys and user names removed. It never holds contact days. `preview` prints exactly
        what `send` would upload; `send --consent` uploads it to [registration] server and prints the
        log ID to quote to support.
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

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "preview", abstract: "Print exactly what `logs send` would upload.")

        func run() async throws {
            try await reportingErrors {
                FileHandle.standardOutput.write(try LogsCommand.document(await LogsCommand.collect()))
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
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let (_, base) = try target.resolve()
                guard consent else {
                    throw CLIError(.failure, "not sent: read `bleagent logs preview`, then run `bleagent logs send --consent`")
                }
                let document = try LogsCommand.document(await LogsCommand.collect())
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
                    }
                }
                guard let id = answer.body["log_id"] as? String else {
                    throw CLIError(.failure, "the server did not answer with a log ID: treat the log as not received")
                }
                if output.json { try Output.json(["log_id": id]); return }
                Output.line("Sent. Log ID: \(id)  (quote it to support)")
            }
        }
    }
}
