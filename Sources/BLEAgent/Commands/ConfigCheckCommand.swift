import ArgumentParser
import Foundation

/// `bleagent config check`: loads the configuration as the daemon would and prints what is in force.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration file and print the settings in force.",
        discussion: """
        Reads the file the way the daemon does (every table and key checked) and prints each setting \
        in force, defaults included. Exit code 0 when it loads; 78 when it is refused, naming the key \
        and why; 77 when this user may not read it. Without --config: /etc/bleagent/bleagent.toml, \
        whose absence means the defaults.
        """
    )

    @Option(help: ArgumentHelp("Configuration file (default: /etc/bleagent/bleagent.toml).", valueName: "PATH"))
    var config: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let path = config ?? AgentConfiguration.standardPath
            let loaded = try AgentConfiguration.loadForCLI(path: config)
            let settings = Settings(loaded, file: FileManager.default.fileExists(atPath: path) ? path : nil)
            if output.json { try Output.json(settings); return }
            Output.line(settings.file.map { "\($0): loads." } ?? "\(path) does not exist: the defaults are in force.")
            Output.line()
            Output.table(settings.rows)
        }
    }
}

extension ConfigCheckCommand {
    /// The settings in force, table by table as the file names them.
    struct Settings: Encodable {
        struct Radio: Encodable {
            var adapter: String?
            var scanWindowSeconds: Double
            var scanPeriodSeconds: Double
            var txPowerDbm: Int?
            var rssiCorrectionDb: Int?
            var calibration: String?
            var passiveScanning: Bool
        }

        struct Keys: Encodable {
            struct Source: Encodable {
                var name: String
                var url: String
            }

            var downloadIntervalHours: Double
            var downloadJitterMinutes: Double
            var maxFileBytes: Int
            var fileTimeoutSeconds: Double
            var roundTimeoutSeconds: Double
            var risk: String
            var sources: [Source]
            var publicKeys: [String]
            var allowUnverifiedFiles: Bool
            var allowInsecureHttp: Bool
        }

        struct Registration: Encodable {
            var server: String?
            var region: String
            var allowInsecureHttp: Bool
        }

        /// The file read; nil when the standard file is absent (the defaults).
        var file: String?
        var stateDirectory: String
        var requireTimeSync: Bool
        var radio: Radio
        var rpiCapPerDay: Int
        var keys: Keys
        var registration: Registration
        var notifyHook: String?
        var guidanceFile: String?

        init(_ configuration: AgentConfiguration, file: String?) {
            self.file = file
            stateDirectory = configuration.storeDirectory.path
            requireTimeSync = configuration.timeGate.required
            radio = Radio(adapter: configuration.adapter, scanWindowSeconds: configuration.scanWindowSeconds,
                          scanPeriodSeconds: configuration.scanPeriodSeconds, txPowerDbm: configuration.txPowerSetting.map(Int.init),
                          rssiCorrectionDb: configuration.rssiCorrectionSetting, calibration: configuration.calibrationNote,
                          passiveScanning: configuration.passiveScanning)
            rpiCapPerDay = configuration.rpiCapPerDay
            keys = Keys(downloadIntervalHours: configuration.downloadIntervalHours, downloadJitterMinutes: configuration.downloadJitterMinutes,
                        maxFileBytes: configuration.maximumFileBytes, fileTimeoutSeconds: configuration.fileTimeoutSeconds,
                        roundTimeoutSeconds: configuration.roundTimeoutSeconds, risk: configuration.risk.name,
                        sources: configuration.sources.map { Keys.Source(name: $0.name, url: $0.url.absoluteString) },
                        publicKeys: configuration.publicKeys.map { "\($0.id)/\($0.version)" },
                        allowUnverifiedFiles: configuration.allowUnverifiedFiles,
                        allowInsecureHttp: configuration.keysTransport.allowInsecureHTTP)
            registration = Registration(server: configuration.registrationServer?.absoluteString, region: configuration.registrationRegion,
                                        allowInsecureHttp: configuration.registrationTransport.allowInsecureHTTP)
            notifyHook = configuration.hook
            guidanceFile = configuration.guidanceFile
        }

        /// KEY, VALUE rows for people, with the file's table names.
        var rows: [[String]] {
            func show(_ value: (some CustomStringConvertible)?) -> String { value.map(\.description) ?? "(not set)" }
            var rows: [[String]] = [
                ["[agent] state_directory", stateDirectory],
                ["[agent] require_time_sync", "\(requireTimeSync)"],
                ["[radio] adapter", adapter],
                ["[radio] scan_window_seconds", "\(radio.scanWindowSeconds)"],
                ["[radio] scan_period_seconds", "\(radio.scanPeriodSeconds)"],
                ["[radio] tx_power_dbm", radio.txPowerDbm.map(String.init) ?? "(the board's default)"],
                ["[radio] rssi_correction_db", radio.rssiCorrectionDb.map(String.init) ?? "(the board's default)"],
                ["[radio] calibration", show(radio.calibration)],
                ["[radio] passive_scanning", "\(radio.passiveScanning)"],
                ["[store] rpi_cap_per_day", "\(rpiCapPerDay)"],
                ["[keys] download_interval_hours", "\(keys.downloadIntervalHours)"],
                ["[keys] download_jitter_minutes", "\(keys.downloadJitterMinutes)"],
                ["[keys] max_file_bytes", "\(keys.maxFileBytes)"],
                ["[keys] file_timeout_seconds", "\(keys.fileTimeoutSeconds)"],
                ["[keys] round_timeout_seconds", "\(keys.roundTimeoutSeconds)"],
                ["[keys] risk", keys.risk],
                ["[keys] allow_unverified_files", "\(keys.allowUnverifiedFiles)"],
                ["[keys] allow_insecure_http", "\(keys.allowInsecureHttp)"],
            ]
            rows += keys.sources.map { ["[[keys.source]] \($0.name)", $0.url] }
            rows += keys.publicKeys.map { ["[[keys.public_key]]", $0] }
            rows += [
                ["[registration] server", show(registration.server)],
                ["[registration] region", registration.region],
                ["[registration] allow_insecure_http", "\(registration.allowInsecureHttp)"],
                ["[notify] hook", show(notifyHook)],
                ["[guidance] file", show(guidanceFile)],
            ]
            return rows
        }

        private var adapter: String { radio.adapter ?? "(the first powered adapter)" }
    }
}
