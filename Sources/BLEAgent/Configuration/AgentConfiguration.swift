import AgentTime
import BlueZ
import ContactStore
import ExposureNotification
import Foundation

/// Everything `/etc/bleagent/bleagent.toml` can set, each with a sane default. One file, one format:
/// the daemon, the CLI and the demo all read it through `AgentConfiguration.load`.
struct AgentConfiguration: Sendable {
    static let standardPath = "/etc/bleagent/bleagent.toml"

    /// `[agent]`
    var stateDirectory: String?
    /// Test clock: `speed=N,origin=T` (real time when absent).
    var clock = AgentClock.real
    /// `require_time_sync`: record, expire and download only on a synchronised system clock.
    var timeGate = TimeGate()

    /// `[radio]`
    var adapter: String?
    var scanWindowSeconds = 4.0
    var scanPeriodSeconds = 240.0
    /// `tx_power_dbm`, `rssi_correction_db`, `calibration`: nil where the board's default applies.
    var txPowerSetting: Int8?
    var rssiCorrectionSetting: Int?
    /// What `radio calibrate --write` noted (date, distance, packets): marks the figures as measured.
    var calibrationNote: String?
    var passiveScanning = false

    /// `[store]`
    var rpiCapPerDay = 100_000

    /// `[keys]`
    var downloadIntervalHours = 4.0
    var downloadJitterMinutes = 30.0
    var maximumFileBytes = 16 << 20
    /// Largest index (list.json / index.txt) accepted: 14 days of files is a few KiB.
    var maximumIndexBytes = 4 << 20
    /// `[keys] file_timeout_seconds`: the longest one file (or index) may take to arrive whole; a
    /// server that trickles or goes silent is given up on, and the round says which file stalled.
    var fileTimeoutSeconds = 120.0
    /// `[keys] round_timeout_seconds`: the longest a whole round may spend fetching.
    var roundTimeoutSeconds = 900.0
    /// Use files whose signature cannot be checked (no `[[keys.public_key]]`): field trials only.
    var allowUnverifiedFiles = false
    /// `[keys] allow_insecure_http`: indexes and files over plain http off this machine (trials only).
    var keysTransport = TransportSecurity()
    var risk = RiskConfiguration.cocoa
    var sources: [KeySource] = []
    var publicKeys: [PublicKey] = []

    /// `[notify]`
    var hook: String?

    /// `[guidance]`
    var guidanceFile: String?

    /// `[registration]`: the notification server a positive registration and operation logs go to.
    var registrationServer: URL?
    /// `[registration] allow_insecure_http`: registrations and logs over plain http off this machine.
    var registrationTransport = TransportSecurity()
    var registrationRegion = "440"

    /// One `[[keys.source]]`: where positive keys are published.
    struct KeySource: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            /// COCOA's `{base}/{container}/{region}/list.json`.
            case listJSON(URL)
            /// Google's exposure-notifications-server `index.txt`.
            case indexTXT(URL)
        }

        var name: String
        var kind: Kind
        var url: URL {
            switch kind {
            case .listJSON(let url), .indexTXT(let url): url
            }
        }
    }

    /// One `[[keys.public_key]]`.
    struct PublicKey: Sendable {
        var id: String
        var version: String
        var key: VerificationKeyring.Key
    }

    var keyring: VerificationKeyring { VerificationKeyring(publicKeys.map(\.key)) }

    /// Files must carry a valid signature by a configured key; unsigned or unknown-key files are
    /// used only when `allow_unverified_files` says so and no key is configured.
    var signaturePolicy: SignaturePolicy { allowUnverifiedFiles && publicKeys.isEmpty ? .allowUnverified : .requireValid }

    var storeDirectory: StoreDirectory { stateDirectory.map(StoreDirectory.init(path:)) ?? .standard() }

    /// Where a download round puts key files until they are matched: systemd's `$CACHE_DIRECTORY`
    /// (`CacheDirectory=bleagent`), or `downloads` in the state directory.
    func downloadDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if stateDirectory == nil, let cache = environment["CACHE_DIRECTORY"]?.split(separator: ":").first { return String(cache) }
        return DownloadDirectory.inStateDirectory(storeDirectory.path)
    }

    /// The calibration in force on `board`: what `[radio]` sets, the board's default for the rest.
    func calibration(board: BoardProfile) -> RadioCalibration {
        let defaults = board.defaults
        let source: RadioCalibration.Source = calibrationNote.map { .calibrated($0) }
            ?? (txPowerSetting != nil || rssiCorrectionSetting != nil ? .configuration : .boardDefault(board))
        return RadioCalibration(txPower: txPowerSetting ?? defaults.txPower,
                                rssiCorrection: rssiCorrectionSetting ?? defaults.rssiCorrection, source: source)
    }

    /// This machine's calibration (reads the device tree and the adapter's bus).
    func hostCalibration() -> RadioCalibration { calibration(board: .detectHost(adapter: adapter)) }

    /// The risk model (`model`, else the configuration's) as this device judges its own sightings:
    /// the radio's RSSI correction added to the model's (which is 0 in the presets).
    func risk(for calibration: RadioCalibration, model chosen: RiskConfiguration? = nil) -> RiskConfiguration {
        var model = chosen ?? risk
        model.rssiCorrection += calibration.rssiCorrection
        return model
    }

    func radioConfiguration(_ calibration: RadioCalibration) -> RadioAgent.Configuration {
        RadioAgent.Configuration(adapter: adapter, schedule: .init(scanWindow: scanWindowSeconds, scanPeriod: scanPeriodSeconds),
                                 txPower: calibration.txPower, passiveScanning: passiveScanning)
    }
}
