import ArgumentParser
import DBus
import ExposureNotification
import Foundation

/// `bleagent download`: ask the daemon to fetch new positive keys now and match them (it otherwise
/// does so every few hours).
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download new positive keys now and check them against your contacts.",
        discussion: """
        The daemon does this on its own every download_interval_hours; this asks it to do it at once. \
        Exit codes: 0 done, 1 a source or the check failed (the message says which), 69 the daemon is not running, 77 this user may not ask it (root and the bleagent group may).
        """
    )

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let reply: [DBusValue]
            do throws(DaemonClient.Failure) {
                reply = try await DaemonClient.connect().call("DownloadNow", timeout: .seconds(600))
            } catch {
                throw DaemonClient.cliError(error)
            }
            guard let text = reply.first?.string, let report = try? SnakeCaseJSON.decoder().decode(DownloadReport.self, from: Data(text.utf8)) else {
                throw CLIError(.failure, "the daemon answered with something unreadable")
            }
            if output.json {
                try Output.json(report)
            } else {
                Output.line("\(report.files) new key file\(report.files == 1 ? "" : "s"), \(report.matchedKeys) key\(report.matchedKeys == 1 ? "" : "s") matched.")
                if report.newContactDays.isEmpty {
                    Output.line("No new contact day.")
                } else {
                    Output.line("New contact day\(report.newContactDays.count == 1 ? "" : "s"): \(report.newContactDays.joined(separator: ", ")). See `bleagent exposures` and `bleagent guidance`.")
                }
                for error in report.errors { FileHandle.standardError.write(Data("bleagent: \(error)\n".utf8)) }
            }
            if !report.errors.isEmpty { throw ExitCode(1) }
        }
    }
}
