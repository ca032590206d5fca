import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent match`: matches sightings recorded elsewhere against diagnosis-key files and judges
/// each day with the same function the daemon notifies with.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match recorded sightings against diagnosis-key files and judge each day.",
        discussion: """
        --sightings is a JSON-lines file, one line per RPI per scan:
          {"time": 1596369600, "rpi": "<32 hex>", "aem": "<8 hex>", "rssi": -58, "seconds_since_last_scan": 240}
        (optional "rssi_max", the scan's strongest packet, and "rssi_packets"), or the same as CSV with \
        a header (time,rpi,aem,rssi,rssi_max,seconds_since_last_scan), or a `btmon -w` capture, grouped \
        as `bleagent sightings convert` does by default.

        Keys matching a sighting within ±12 intervals of their RPI's interval become exposure windows; \
        each UTC day of the last 14 (counted back from --today) is judged by the risk model. \
        Files whose signature is invalid, or unverified while --public-key is given, are refused \
        (exit code 3) and their keys are not used.
        """
    )

    @Option(help: ArgumentHelp("Sightings: JSON lines, CSV or a btmon capture.", valueName: "FILE"))
    var sightings: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Diagnosis-key files (.zip or export.bin).", valueName: "PATH"))
    var keys: [String]

    @OptionGroup var keyring: KeyringOptions

    @Option(help: ArgumentHelp(RiskOption.help, valueName: "PRESET|FILE"))
    var risk: String?

    @Option(help: ArgumentHelp("Judge as of this UTC day (default: today).", valueName: "YYYY-MM-DD"))
    var today: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !keys.isEmpty else { throw ValidationError("give at least one key file with --keys") }
        if let today, ExposureDay(iso8601: today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
    }

    struct Report: Encodable {
        struct Match: Encodable {
            var keyData: String
            var day: String
            var rollingStartIntervalNumber: UInt32
            var rollingPeriod: UInt32
            var reportType: String
            var infectiousness: String
            var scanInstances: [ScanInstance]
            var seconds: Int
            var score: Double?
        }

        struct Day: Encodable {
            var date: String
            var contact: Bool
            var minutes: Int
            var score: Double
            var windows: Int
        }

        struct File: Encodable {
            var path: String
            var sha256: String?
            var status: String
            var reason: String?
            var signature: String?
            var keys: Int
            var matchedKeys: Int
            /// Key records repeating a key already matched in the file: counted once.
            var duplicateKeys: Int
            var warnings: [String]
        }

        var matches: [Match]
        var days: [Day]
        var files: [File]
        var risk: String
        var today: String
        var sightings: Int
    }

    func run() async throws {
        try await reportingErrors {
            let table = try SightingsFile.read(sightings)
            let model = try RiskOption.load(risk)
            let judgedDay = today.flatMap(ExposureDay.init(iso8601:)) ?? ExposureDay(unixSeconds: Int64(Date().timeIntervalSince1970))
            let report = try keyring.match(table, keyFiles: keys)
            let windows = ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: model)
            let days = ContactJudgement.dailyRisks(windows: windows, configuration: model, today: judgedDay)
            let matchedKeys = Dictionary(report.matches.map { ($0.key.keyData, $0.key) }, uniquingKeysWith: { first, _ in first })
            let result = Report(
                matches: windows.map { window in
                    let key = matchedKeys[window.keyData]
                    return .init(keyData: window.keyData.description, day: window.day.iso8601,
                                 rollingStartIntervalNumber: key?.rollingStartIntervalNumber.rawValue ?? 0,
                                 rollingPeriod: key?.rollingPeriod ?? 0, reportType: window.reportType.name,
                                 infectiousness: window.infectiousness.rawValue, scanInstances: window.scanInstances,
                                 seconds: window.seconds, score: ContactJudgement.windowScore(window, configuration: model))
                },
                days: days.map { .init(date: $0.day.iso8601, contact: $0.isContactDay, minutes: $0.minutes, score: $0.score, windows: $0.windows) },
                files: report.files.map { file in
                    var status = "matched", reason: String?
                    switch file.status {
                    case .matched: break
                    case .alreadyProcessed: status = "already_processed"
                    case .rejected(let why): status = "rejected"; reason = why
                    }
                    return .init(path: file.name, sha256: file.digest?.hex, status: status, reason: reason,
                                 signature: file.signature?.status.rawValue, keys: file.keys, matchedKeys: file.matchedKeys,
                                 duplicateKeys: file.duplicateKeys, warnings: file.warnings.lines)
                },
                risk: model.name, today: judgedDay.iso8601, sightings: table.count)
            if output.json {
                try Output.json(result)
            } else {
                printText(result)
            }
            let refused = result.files.filter { $0.status == "rejected" }
            if !refused.isEmpty {
                // The same codes as `keys inspect`: 66 a file could not be read, 65 malformed, 3 its signature was refused.
                let refusals = Set(report.files.compactMap(\.refusal))
                let code: CLIError.Kind = refusals.contains(.unavailable) ? .noInput : refusals.contains(.malformed) ? .dataError : .refused
                throw CLIError(code, "\(refused.count) key file\(refused.count == 1 ? " was" : "s were") refused: "
                               + refused.map { "\($0.path) (\($0.reason ?? ""))" }.joined(separator: "; "))
            }
        }
    }

    private func printText(_ report: Report) {
        Output.line("Sightings: \(report.sightings)   Risk model: \(report.risk)   Judged as of: \(report.today)")
        if keyring.publicKey.isEmpty {
            Output.line("Signatures are not verified: give the key server's key with --public-key.")
        }
        Output.table([["FILE", "KEYS", "MATCHED", "SIGNATURE", "STATUS"]] + report.files.map {
            [$0.path, "\($0.keys)", "\($0.matchedKeys)", $0.signature ?? "-", $0.status + ($0.reason.map { ": \($0)" } ?? "")]
        })
        Output.line()
        guard !report.days.isEmpty else {
            Output.line("No exposure in the last 14 days.")
            return
        }
        Output.table([["DATE", "CONTACT", "MINUTES", "KEYS", "SCORE"]] + report.days.map {
            [$0.date, $0.contact ? "yes" : "no", "\($0.minutes)", "\($0.windows)", String(format: "%.0f", $0.score)]
        })
    }
}
