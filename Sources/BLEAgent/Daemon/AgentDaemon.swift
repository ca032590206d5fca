import AgentTime
import AsyncHTTPClient
import BlueZ
import ContactStore
import DBus
import ExposureNotification
import Foundation
import Logging

/// `bleagent run`: consent first; then the radio (`Recorder`), periodic expiry, key downloads
/// (`DownloadSchedule`, one `DownloadRound` at a time, matching and judging in `ExposureCheck`) and
/// a notice for every new contact day — once (`ContactNotifier`). This actor only wires them and
/// holds what `status` shows.
actor AgentDaemon {
    static let termsVersion = "1"

    let configuration: AgentConfiguration
    /// This device's radio calibration (configured, measured, or the board's default).
    let calibration: RadioCalibration
    let logger: Logger
    private let clock: AgentClock
    private let bus: DBusConnection?
    private let downloader: KeyDownloader
    private let notifier: ContactNotifier
    private var store: ContactStore
    private let ownKeys = OwnKeys()
    private var consent: ConsentRecord?
    private let recorder: Recorder
    private var schedule: DownloadSchedule
    private var random = SystemRandomNumberGenerator()
    /// The download round in progress, which a second request joins and withdrawal cancels.
    private var round: Task<DownloadReport, Never>?
    private var lastDownloadError: String?
    private var lastStoreError: String?
    /// Why the agent waits for the clock (`TimeGate`); nil while the clock is trusted.
    private var clockWait: String?
    private let clockSync: @Sendable () async -> SystemClockSync
    /// What `PropertiesChanged` last announced, and where announcements go (nil: nowhere yet).
    private var publisher = PropertyPublisher(sightingsInterval: AgentDaemon.sightingsAnnounceInterval)
    private var announce: (@Sendable ([String: DBusValue]) -> Void)?
    /// Snapshots are read across suspensions: one taken earlier never overwrites a later one.
    private var propertyTickets = (issued: 0, applied: 0)

    /// `SightingsToday` is announced at most this often (agent-clock seconds); radio states are
    /// looked at every `propertyPollSeconds` (real seconds); consent, downloads and contact days at once.
    static let sightingsAnnounceInterval: Double = 30
    static let propertyPollSeconds: Double = 10

    init(configuration: AgentConfiguration, store: ContactStore, bus: DBusConnection?, httpClient: HTTPClient,
         notifier: ContactNotifier, logger: Logger, calibration: RadioCalibration? = nil) {
        self.configuration = configuration
        self.calibration = calibration ?? configuration.hostCalibration()
        self.clock = configuration.clock
        self.store = store
        self.bus = bus
        self.downloader = KeyDownloader(client: httpClient, security: configuration.keysTransport)
        self.notifier = notifier
        self.logger = logger
        self.schedule = DownloadSchedule(interval: configuration.downloadIntervalHours * 3600,
                                         jitter: configuration.downloadJitterMinutes * 60)
        self.clockSync = TimeGate.systemClock(bus: bus)
        let clock = configuration.clock
        self.recorder = Recorder(logger: logger, now: { clock.now() })
    }

    private var now: Double { clock.now() }

    // MARK: - Lifecycle

    /// Runs until cancelled.
    func run() async {
        do {
            consent = try await store.consent()
        } catch {
            noteStore(error)
        }
        clockWait = await configuration.timeGate.waitingReason(clockSync)
        if let clockWait { logger.warning("\(clockWait)") }
        if consent?.accepted == true {
            if clockWait == nil { await resumeWork() }
        } else {
            logger.notice("waiting for consent: nothing is advertised, scanned or stored until `bleagent consent --accept`")
        }
        let housekeeping = Task { [clock] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(clock.realSeconds(for: 600)))
                if Task.isCancelled { break }
                await self.housekeeping()
            }
        }
        defer { housekeeping.cancel() }
        let clockWatch = Task {
            while !Task.isCancelled {
                // Waiting: look often, recording should start soon after NTP syncs. Trusted: a step
                // by hand is noticed within half a minute (expiry checks again right before it runs).
                try? await Task.sleep(for: .seconds(self.clockWait == nil ? 30 : 5))
                if Task.isCancelled { break }
                await self.checkClock()
            }
        }
        defer { clockWatch.cancel() }
        // The radio's states and the sightings counter change inside the recorder: looked at here.
        let propertyWatch = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.propertyPollSeconds))
                if Task.isCancelled { break }
                await self.refreshProperties()
            }
        }
        defer { propertyWatch.cancel() }
        while !Task.isCancelled {
            let wait = schedule.wait(at: now).map { max(1, clock.realSeconds(for: $0)) } ?? 5
            try? await Task.sleep(for: .seconds(min(wait, 3600)))
            if Task.isCancelled { break }
            if schedule.correctForClockStep(at: now, using: &random) { logger.warning("the clock went back: next key download rescheduled") }
            if consent?.accepted == true, clockWait == nil, schedule.isDue(at: now) { _ = await downloadAndMatch() }
        }
        await recorder.stop()
    }

    /// Recording and the download schedule, once consent is given and the clock is trusted.
    private func resumeWork() async {
        await startRecording()
        let lastSuccesses = await DownloadRound.lastSuccesses(of: configuration.sources, in: store)
        schedule.resume(lastSuccesses: lastSuccesses, at: now, using: &random)
    }

    /// Follows the clock's trust: recording starts once it is synchronised and pauses when it is not
    /// (stepped by hand, which the kernel marks unsynchronised), so nothing is stamped with a wrong time.
    private func checkClock() async {
        let reason = await configuration.timeGate.waitingReason(clockSync)
        switch (clockWait, reason) {
        case (.some, nil):
            clockWait = nil
            logger.notice("the system clock is synchronised: recording, expiry and downloads go on")
            if consent?.accepted == true { await resumeWork() }
            await refreshProperties()
        case (nil, .some(let reason)):
            clockWait = reason
            logger.warning("the system clock is no longer synchronised (was it stepped?): recording paused. \(reason)")
            await recorder.stop()
            schedule.stop()
            await refreshProperties()
        default:
            clockWait = reason
        }
    }

    /// Expiry, and today's and tomorrow's own keys (TEK rollover), every 10 minutes — on a trusted clock only.
    private func housekeeping() async {
        await checkClock()
        guard clockWait == nil else { return }
        PendingRegistration.expire(directory: store.directory.path, now: now)
        let store = store
        do {
            _ = try await store.expire(now: Int64(now))
            if consent?.accepted == true {
                try await ownKeys.ensure(store: store, now: now)
                if consent?.accepted != true { ownKeys.clear() }   // withdrawn meanwhile: keep no key
            }
            lastStoreError = nil
        } catch {
            noteStore(error)
        }
    }

    private func noteStore(_ error: StoreError) {
        lastStoreError = error.description
        logger.error("contact store: \(error)")
    }

    // MARK: - Consent

    func acceptConsent(termsVersion: String) async throws(StoreError) {
        let record = ConsentRecord(accepted: true, decidedAt: Int64(now), termsVersion: termsVersion)
        try await store.saveConsent(record)
        consent = record
        guard clockWait == nil else {
            logger.notice("consent given: recording starts once the system clock is synchronised")
            await refreshProperties()
            return
        }
        logger.notice("consent given: recording starts")
        await startRecording()
        schedule.planNow(at: now)
        await refreshProperties()
    }

    /// Withdrawing consent stops everything and wipes the store (COCOA's promise); `bleagent forget`
    /// is the same path. A fresh, empty store is opened so consent can be given again later.
    func withdrawConsent() async throws(StoreError) {
        consent = nil
        schedule.stop()
        if let round {
            round.cancel()
            _ = await round.value
        }
        await recorder.stop()
        ownKeys.clear()
        try await store.wipe()
        // What lives beside the store: a registration's processing number, a round's key files.
        PendingRegistration.clear(directory: store.directory.path)
        DownloadDirectory.empty(configuration.downloadDirectory())
        store = try await ContactStore.open(store.directory, configuration: store.configuration, now: Int64(now), expiring: false)
        notifier.forgotten()
        logger.notice("consent withdrawn: every record was deleted")
        await refreshProperties()
    }

    // MARK: - Radio

    private func startRecording() async {
        do {
            try await ownKeys.ensure(store: store, now: now)
        } catch {
            noteStore(error)
        }
        guard let bus else {
            logger.error("no system bus: cannot reach bluetoothd; nothing is advertised or scanned")
            return
        }
        await recorder.start(on: bus, configuration: configuration.radioConfiguration(calibration), clock: clock, keys: ownKeys, into: store)
    }

    /// What the radio side reports, for tests and status.
    var radioStatus: RadioStatus? { get async { await recorder.status } }

    // MARK: - Downloads and matching

    /// Fetches what is new from every source, matches it at once, judges the days and notifies.
    /// One round at a time: a `DownloadNow` during a scheduled round waits for it and gets its report.
    func downloadAndMatch() async -> DownloadReport {
        if let round { return await round.value }
        guard consent?.accepted == true else { return DownloadReport(files: 0, matchedKeys: 0, newContactDays: [], errors: ["no consent"]) }
        if let clockWait { return DownloadReport(files: 0, matchedKeys: 0, newContactDays: [], errors: [clockWait]) }
        let work = DownloadRound(configuration, risk: configuration.risk(for: calibration), store: store, downloader: downloader, notifier: notifier)
        let task = Task { [clock] in await work.run(now: { clock.now() }) }
        round = task
        let report = await task.value
        if round == task { round = nil }
        // Withdrawn meanwhile: nothing of the round is kept, nothing is planned.
        guard consent?.accepted == true, !task.isCancelled else { return report }
        lastDownloadError = report.errors.first
        if !report.errors.isEmpty { logger.error("downloading keys: \(report.errors.joined(separator: "; "))") }
        schedule.roundEnded(at: now, failed: !report.errors.isEmpty, using: &random)
        await refreshProperties()
        return report
    }

    // MARK: - Own keys

    /// The keys this device has put on air (started at or before now), oldest first: what a
    /// positive registration shares, after the onset rule picks the days.
    func diagnosisKeys() async throws(StoreError) -> [TemporaryExposureKey] {
        try await store.ownKeysOnAir(now: Int64(now))
    }

    // MARK: - Status

    func status() async -> DaemonStatus {
        let moment = Int64(now)
        let statistics = try? await store.statistics(now: moment)
        let today = statistics?.days.first { $0.day == ExposureDay(unixSeconds: moment) }
        let contactDays = ((try? await store.contactDays(now: moment)) ?? []).filter(\.isContactDay).count
        var radio = await recorder.status.map(DaemonStatus.Radio.init)
        if let failure = await recorder.radioFailure { radio?.lastError = "the radio stopped: \(failure)" }
        let storeError = await recorder.storeError ?? lastStoreError
        return DaemonStatus(version: BLEAgentVersion.current, now: now, calibration: .init(calibration),
                            consent: .init(accepted: consent?.accepted == true, decidedAt: consent?.decidedAt),
                            radio: radio, sightingsToday: today?.sightings ?? 0, droppedToday: today?.dropped ?? 0,
                            downloads: .init(lastAt: schedule.last, nextAt: schedule.next, lastError: lastDownloadError,
                                             filesProcessed: (try? await store.processedFiles().count) ?? 0, sources: configuration.sources.count),
                            contactDays: contactDays, clock: clockWait, storeError: storeError,
                            storeLoss: statistics?.durabilityLoss?.description)
    }

    // MARK: - Properties

    /// The D-Bus properties now: the figures `status()` shows root and the bleagent group.
    func properties() async -> AgentProperties {
        let moment = Int64(now)
        let today = try? await store.statistics(now: moment).days.first { $0.day == ExposureDay(unixSeconds: moment) }
        let contactDays = ((try? await store.contactDays(now: moment)) ?? []).filter(\.isContactDay).count
        let radio = await recorder.status
        let storeError = await recorder.storeError ?? lastStoreError
        return AgentProperties(version: BLEAgentVersion.current, termsVersion: Self.termsVersion, consent: consent?.accepted == true,
                               consentDecidedAt: consent?.decidedAt ?? 0, clockSynchronised: clockWait == nil,
                               advertising: radio?.advertising ?? false, scanning: radio?.scanning ?? false,
                               sightingsToday: AgentProperties.count(today?.sightings ?? 0),
                               lastDownload: AgentProperties.seconds(schedule.last), nextDownload: AgentProperties.seconds(schedule.next),
                               contactDays: AgentProperties.count(contactDays), storeError: storeError ?? "")
    }

    /// From now on, changed properties are announced through `announce` (PropertiesChanged).
    func publishProperties(_ announce: @escaping @Sendable ([String: DBusValue]) -> Void) async {
        self.announce = announce
        await refreshProperties()
    }

    /// Reads the properties and announces what changed since the last announcement.
    private func refreshProperties() async {
        guard let announce else { return }
        propertyTickets.issued += 1
        let ticket = propertyTickets.issued
        let snapshot = await properties()
        guard ticket > propertyTickets.applied else { return }
        propertyTickets.applied = ticket
        let changed = publisher.changes(to: snapshot, at: now)
        if !changed.isEmpty { announce(changed) }
    }

    func exposures() async throws(StoreError) -> [ExposureEntry] {
        try await store.contactDays(now: Int64(now)).filter(\.isContactDay).map(ExposureEntry.init)
    }
}
