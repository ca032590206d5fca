import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent keys own`: this device's daily keys that have been on air. What a positive registration
/// would share (before the onset rule picks days); `--json` is the format `keys export --keys` reads.
struct KeysOwnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "own",
        abstract: "Show this device's own daily keys (what a positive registration would share).",
        discussion: """
        Without --json only the days are shown. With --json the keys themselves are printed, in the \
        format `bleagent keys export --keys` reads: treat that output like a password, it lets anyone \
        recognise every identifier this device sent. Asks the running daemon (root only, by the bus \
        policy); when it is down, reads the store (needs its key), creating nothing: exit 66 when there is no store.
        """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let keys = try await OwnKeySource.keysOnAir(directory: try state.directory()).map { KeyJSON($0, revised: false) }
            if output.json { try Output.json(keys); return }
            let language = output.language
            guard !keys.isEmpty else {
                Output.line(KeysOwnText.noKeys.text(language))
                return
            }
            Output.table([KeysOwnText.columns.cells(language)] + keys.map { key in
                [ENIntervalNumber(rawValue: key.rollingStartIntervalNumber).day.iso8601, "\(key.rollingStartIntervalNumber)", "\(key.rollingPeriod ?? 144)"]
            })
            Output.line()
            Output.line(KeysOwnText.count(keys.count).text(language))
        }
    }
}
