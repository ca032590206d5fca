import BlueZ
import ContactStore

/// What `bleagent status` shows, as the daemon reports it over D-Bus (JSON). Counts and states only:
/// no identifier, key or address.
struct DaemonStatus: Codable, Sendable {
    struct Consent: Codable, Sendable {
        var accepted: Bool
        var decidedAt: Int64?
    }

    struct Radio: Codable, Sendable {
        var adapter: String?
        var powered: Bool
        var advertising: Bool
        var quietReason: String?
        var rotationAgeSeconds: Double?
        /// What the metadata advertises (the calibration's TX power).
        var txPower: Int
        /// What the controller says it transmits (conducted; shown, never advertised).
        var controllerTxPower: Int?
        var advertisingInterval: String
        var scanning: String
        var lastScanAt: Double?
        var scanWindows: Int
        var lastError: String?
        var platform: String
    }

    struct Downloads: Codable, Sendable {
        var lastAt: Double?
        var nextAt: Double?
        var lastError: String?
        var filesProcessed: Int
        var sources: Int
    }

    /// This device's calibration: the TX power it advertises and the correction added to what it hears.
    struct Calibration: Codable, Sendable {
        var txPowerDbm: Int
        var rssiCorrectionDb: Int
        /// `calibrated`, `configuration` or `default`.
        var source: String
        var description: String
    }

    var version: String
    var now: Double
    var calibration: Calibration
    var consent: Consent
    var radio: Radio?
    var sightingsToday: Int
    var droppedToday: Int
    var downloads: Downloads
    var contactDays: Int
    /// Why nothing is recorded, expired or downloaded: the clock is not trusted yet (nil: it is).
    var clock: String?
    var storeError: String?
    /// Records the store had acknowledged and lost (found at an open in the last 14 days).
    var storeLoss: String?
}

extension DaemonStatus.Radio {
    init(_ status: RadioStatus) {
        self.init(adapter: status.adapter, powered: status.powered, advertising: status.advertising, quietReason: status.quietReason,
                  rotationAgeSeconds: status.rotationAge, txPower: Int(status.txPower), controllerTxPower: status.controllerTxPower.map(Int.init),
                  advertisingInterval: status.advertisingInterval,
                  scanning: status.passiveScanning ? "passive (advertisement monitor)" : "active (discovery)",
                  lastScanAt: status.lastScanAt, scanWindows: status.scanWindows, lastError: status.lastError, platform: status.platform)
    }
}

extension DaemonStatus.Calibration {
    init(_ calibration: RadioCalibration) {
        self.init(txPowerDbm: Int(calibration.txPower), rssiCorrectionDb: calibration.rssiCorrection,
                  source: calibration.sourceName, description: calibration.sourceDescription)
    }
}

/// One row of `bleagent exposures`: a date, how many contacts, how many minutes. No time of day and
/// nothing about the other person.
struct ExposureEntry: Codable, Sendable, Equatable {
    var date: String
    var contacts: Int
    var minutes: Int
    var notified: Bool
}

extension ExposureEntry {
    init(_ day: ContactDayRecord) {
        self.init(date: day.day.iso8601, contacts: day.windows, minutes: day.minutes, notified: day.notifiedAt != nil)
    }
}
