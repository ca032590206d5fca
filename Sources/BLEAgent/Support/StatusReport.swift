import AgentTime
import ContactStore
import ExposureNotification
import Foundation

/// `bleagent status --json`: one schema whether the daemon answers or not. Every key is always
/// there; what only the running daemon knows (radio, downloads, calibration) is null when it is down,
/// and what needs the store's key (consent, contact days) is null when that cannot be read.
struct StatusReport: Encodable {
    var daemonRunning: Bool
    var version: String?
    var now: Double
    var stateDirectory: String?
    var calibration: DaemonStatus.Calibration?
    var consent: DaemonStatus.Consent?
    var radio: DaemonStatus.Radio?
    var sightingsToday: Int
    var droppedToday: Int
    var downloads: DaemonStatus.Downloads?
    var contactDays: Int?
    var clock: String?
    var storeError: String?
    var storeLoss: String?
    /// Why the store could not be read, for the text people read (`storeError` is its English, for --json).
    var storeFailure: StoreError? {
        didSet { storeError = storeFailure?.description }
    }

    init(_ status: DaemonStatus) {
        daemonRunning = true
        version = status.version
        now = status.now
        calibration = status.calibration
        consent = status.consent
        radio = status.radio
        sightingsToday = status.sightingsToday
        droppedToday = status.droppedToday
        downloads = status.downloads
        contactDays = status.contactDays
        clock = status.clock
        storeError = status.storeError
        storeLoss = status.storeLoss
    }

    /// The daemon is down: filled from the store by `add` and `addRecords`.
    init(stateDirectory: String, now: Int64) {
        daemonRunning = false
        self.now = Double(now)
        self.stateDirectory = stateDirectory
        sightingsToday = 0
        droppedToday = 0
    }

    /// Today's counts from the store's clear figures.
    mutating func add(_ statistics: StoreStatistics, now: Int64) {
        let today = ExposureDay(unixSeconds: now)
        let day = statistics.days.first { $0.day == today }
        sightingsToday = day?.sightings ?? 0
        droppedToday = day?.dropped ?? 0
        storeLoss = statistics.durabilityLoss?.description
    }

    /// Consent and contact days, which need the store's key: opened read-only in spirit (creating
    /// nothing, expiring nothing); why not, when it cannot be, goes to `storeError`.
    mutating func addRecords(of directory: StoreDirectory, now: Int64) async {
        do throws(StoreError) {
            let store = try await ContactStore.open(directory, now: now, expiring: false, creating: false)
            defer { store.close() }
            let record = try await store.consent()
            consent = DaemonStatus.Consent(accepted: record?.accepted ?? false, decidedAt: record?.decidedAt)
            contactDays = try await store.contactDays(now: now).filter(\.isContactDay).count
        } catch {
            storeFailure = error
        }
    }

    /// Every key, null included: a script reads the same keys whether the daemon runs or not.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(daemonRunning, forKey: .daemonRunning)
        try container.encode(version, forKey: .version)
        try container.encode(now, forKey: .now)
        try container.encode(stateDirectory, forKey: .stateDirectory)
        try container.encode(calibration, forKey: .calibration)
        try container.encode(consent, forKey: .consent)
        try container.encode(radio, forKey: .radio)
        try container.encode(sightingsToday, forKey: .sightingsToday)
        try container.encode(droppedToday, forKey: .droppedToday)
        try container.encode(downloads, forKey: .downloads)
        try container.encode(contactDays, forKey: .contactDays)
        try container.encode(clock, forKey: .clock)
        try container.encode(storeError, forKey: .storeError)
        try container.encode(storeLoss, forKey: .storeLoss)
    }

    private enum CodingKeys: String, CodingKey {
        case daemonRunning, version, now, stateDirectory, calibration, consent, radio, sightingsToday, droppedToday, downloads,
             contactDays, clock, storeError, storeLoss
    }
}
