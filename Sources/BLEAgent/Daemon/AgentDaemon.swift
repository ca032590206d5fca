import AsyncHTTPClient
import BlueZ
import ContactStore
import ExposureNotification
import Foundation
import Logging

/// `bleagent run`: consent first; then the radio (advertise, scan, record), periodic expiry, key
/// downloads with matching right after, and a notice for every new contact day — once.
actor AgentDaemon {
    static let termsVersion = "1"

    let configuration: AgentConfiguration
    let clock: AgentClock
    let logger: Logger
    private let bus: DBusConnection?
    private let downloader: KeyDownloader
    private var store: ContactStore
    private let ownKeys = OwnKeys()
    private var consent: ConsentRecord?
    private var radio: RadioAgent?
    private var radioTasks: [Task<Void, Never>] = []
    private var notifier: ContactNotifier?
    private var lastDownload: Double?
    private var nextDownload: Double?
    private var lastDownloadError: String?
    private var filesProcessed = 0
    private var lastStoreError: String?
    private var failures = 0
    private var signalEmitter: (@Sendable (ContactDayRecord) -> Void)?

    init(configuration: AgentConfiguration, store: ContactStore, bus: DBusConnection?, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.clock = configuration.clock
        self.store = store
        self.bus = bus
        self.downloader = KeyDownloader(client: httpClient)
        self.logger = logger
    }

    func setSignalEmitter(_ emitter: @escaping @Sendable (ContactDayRecord) -> Void) {
        signalEmitter = emitter
    }

    private var now: Double { clock.now() }

    // MARK: - Lifecycle

    /// Runs until cancelled.
    func run() async {
        notifier = ContactNotifier(journal: JournalSocket.system, logger: logger, hook: configuration.hook,
                                   signal: { [weak self] day in Task { await self?.emit(day) } })
        do {
            consent = try await store.consent()
        } catch {
            record(error)
        }
        if consent?.accepted == true {
            await startRecording()
        } else {
            logger.notice("waiting for consent: nothing is advertised, scanned or stored until `bleagent consent --accept`")
        }
        let expiry = Task { [clock] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(clock.realSeconds(for: 600)))
                if Task.isCancelled { break }
                await self.housekeeping()
            }
        }
        defer { expiry.cancel() }
        while !Task.isCancelled {
            let wait = nextDownload.map { max(1, clock.realSeconds(for: $0 - now)) } ?? 5
            try? await Task.sleep(for: .seconds(min(wait, 3600)))
            if Task.isCancelled { break }
            // The clock was set back (further than any schedule reaches): plan from the new now.
            if let due = nextDownload, due - now > configuration.downloadIntervalHours * 3600 + configuration.downloadJitterMinutes * 60 + 60 {
                logger.warning("the clock went back: next key download rescheduled")
                scheduleNextDownload(afterFailure: false)
            }
            if consent?.accepted == true, let due = nextDownload, now >= due {
                _ = await downloadAndMatch()
            } else if consent?.accepted == true, nextDownload == nil {
                scheduleNextDownload(afterFailure: false, immediately: true)
            }
        }
        await stopRecording()
    }

    private func emit(_ day: ContactDayRecord) { signalEmitter?(day) }

    private func housekeeping() async {
        do {
            _ = try await store.expire(now: Int64(now))
            if consent?.accepted == true { try await ownKeys.ensure(store: store, now: now) }
            lastStoreError = nil
        } catch {
            record(error)
        }
    }

    private func record(_ error: StoreError) {
        lastStoreError = error.description
        logger.error("contact store: \(error)")
    }

    // MARK: - Consent

    func acceptConsent(termsVersion: String) async throws(StoreError) {
        let record = ConsentRecord(accepted: true, decidedAt: Int64(now), termsVersion: termsVersion)
        try await store.saveConsent(record)
        consent = record
        logger.notice("consent given: recording starts")
        await startRecording()
        scheduleNextDownload(afterFailure: false, immediately: true)
    }

    /// Withdrawing consent stops everything and wipes the store (COCOA's promise); `bleagent forget`
    /// is the same path. A fresh, empty store is opened so consent can be given again later.
    func withdrawConsent() async throws(StoreError) {
        await stopRecording()
        ownKeys.clear()
        consent = nil
        nextDownload = nil
        try await store.wipe()
        store = try await ContactStore.open(store.directory, configuration: store.configuration, now: Int64(now))
        logger.notice("consent withdrawn: every record was deleted")
    }

    // MARK: - Radio

    private func startRecording() async {
        guard radio == nil else { return }
        do {
            try await ownKeys.ensure(store: store, now: now)
        } catch {
            record(error)
        }
        guard let bus else {
            logger.error("no system bus: cannot reach bluetoothd; nothing is advertised or scanned")
            return
        }
        let keys = ownKeys
        let agent = RadioAgent(connection: bus, configuration: configuration.radioConfiguration, clock: clock) { interval, power in
            keys.payload(for: interval, txPower: power)
        }
        radio = agent
        radioTasks = [
            Task { try? await agent.run() },
            Task { [weak self] in
                for await batch in agent.sightings where !batch.isEmpty {
                    await self?.store(batch)
                }
            },
        ]
    }

    private func stopRecording() async {
        for task in radioTasks { task.cancel() }
        for task in radioTasks { _ = await task.value }
        radioTasks = []
        radio = nil
    }

    private func store(_ batch: [Sighting]) async {
        do {
            let result = try await store.record(batch, now: Int64(now))
            if result.rejectedTime > 0 { logger.warning("\(result.rejectedTime) sightings stamped outside the kept period (clock jump?) were not stored") }
            lastStoreError = nil
        } catch {
            record(error)
        }
    }

    /// What the radio side reports, for tests and status.
    var radioStatus: RadioStatus? { get async { await radio?.status } }

    // MARK: - Downloads and matching

    private func scheduleNextDownload(afterFailure: Bool, immediately: Bool = false) {
        if immediately {
            nextDownload = now
            return
        }
        let interval = configuration.downloadIntervalHours * 3600
        if afterFailure {
            failures += 1
            nextDownload = now + min(60 * pow(2, Double(min(failures - 1, 12))), interval)
        } else {
            failures = 0
            nextDownload = now + interval + Double.random(in: 0...(configuration.downloadJitterMinutes * 60))
        }
    }

    /// Fetches what is new from every source, matches it at once, judges the days and notifies.
    func downloadAndMatch() async -> DownloadReport {
        var report = DownloadReport(files: 0, matchedKeys: 0, newContactDays: [], errors: [])
        guard consent?.accepted == true else {
            report.errors.append("no consent")
            return report
        }
        var files: [(name: String, data: Data)] = []
        var progress: [(String, DownloadState)] = []
        for source in configuration.sources {
            do {
                let (fetched, state) = try await fetchNew(from: source)
                files += fetched
                progress.append((source.name, state))
            } catch {
                report.errors.append("\(source.name): \(error)")
            }
        }
        report.files = files.count
        do {
            let matched = try await match(files)
            report.matchedKeys = matched.keys
            report.newContactDays = matched.newDays
            for (name, state) in progress { try await store.saveDownloadState(state, source: name) }
            filesProcessed += matched.processed
        } catch {
            report.errors.append("\(error)")
        }
        lastDownload = now
        lastDownloadError = report.errors.first
        if !report.errors.isEmpty { logger.error("downloading keys: \(report.errors.joined(separator: "; "))") }
        scheduleNextDownload(afterFailure: !report.errors.isEmpty)
        return report
    }

    private func fetchNew(from source: AgentConfiguration.KeySource) async throws -> ([(name: String, data: Data)], DownloadState) {
        var state = try await store.downloadState(source: source.name) ?? DownloadState()
        let index = try await downloader.fetch(source.url, maximumBytes: 4 << 20)
        var entries: [KeyFileIndex.Entry]
        switch source.kind {
        case .listJSON(let url):
            entries = try KeyFileIndex.parseListJSON(index, listURL: url).filter { ($0.created ?? 0) > (state.lastCreated ?? Int64.min) }
        case .indexTXT(let url):
            entries = try KeyFileIndex.parseIndexTXT(index, indexURL: url)
            if let last = state.lastIndexLine, let position = entries.firstIndex(where: { $0.line == last }) {
                entries = Array(entries[(position + 1)...])
            }
        }
        var fetched: [(name: String, data: Data)] = []
        for entry in entries {
            // A failed file stops here: the next round resumes from it (files are taken in order).
            let data = try await downloader.fetch(entry.url, maximumBytes: configuration.maximumFileBytes)
            fetched.append((entry.url.absoluteString, data))
            if let created = entry.created { state.lastCreated = max(state.lastCreated ?? created, created) }
            if let line = entry.line { state.lastIndexLine = line }
        }
        state.lastSuccessAt = Int64(now)
        return (fetched, state)
    }

    private func match(_ files: [(name: String, data: Data)]) async throws -> (keys: Int, newDays: [String], processed: Int) {
        let moment = Int64(now)
        var processedCount = 0
        var matchedKeys = 0
        if !files.isEmpty {
            let table = try await store.sightingTable(now: moment)
            let processed = try await store.processedFiles()
            let matcher = Matcher(index: SightingIndex(table: table), keyring: configuration.keyring,
                                  policy: configuration.publicKeys.isEmpty ? .allowUnverified : .requireValid)
            let sources = files.map { file in ExportSource(name: file.name) { .zip(file.data) } }
            // Matching runs on all cores: off Swift's cooperative pool.
            let report = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: matcher.match(sources, alreadyProcessed: processed)) }.start()
            }
            for file in report.files {
                if case .rejected(let why) = file.status { logger.error("key file refused: \(file.name): \(why)") }
            }
            let windows = ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: configuration.risk)
            try await store.saveExposureWindows(windows, now: moment)
            try await store.recordProcessed(report.newlyProcessed, now: moment)
            processedCount = report.newlyProcessed.count
            matchedKeys = report.matches.count
        }
        // The matcher's tables and the files are gone: hand the freed heap back to the system, so
        // an idle daemon is as small after a download as before it.
        if !files.isEmpty { HeapTrim.returnFreedMemory() }
        let newDays = try await judgeAndNotify()
        return (matchedKeys, newDays, processedCount)
    }

    /// The one judgement over every window held; each new contact day is notified once.
    private func judgeAndNotify() async throws -> [String] {
        let moment = Int64(now)
        let windows = try await store.exposureWindows(now: moment)
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: configuration.risk, today: ExposureDay(unixSeconds: moment))
        let previous = Dictionary(try await store.contactDays(now: moment).map { ($0.day, $0) }, uniquingKeysWith: { $1 })
        var records = days.map { ContactDayRecord($0, notifiedAt: previous[$0.day]?.notifiedAt) }
        try await store.saveContactDays(records, now: moment)
        var newDays: [String] = []
        for index in records.indices where records[index].isContactDay && records[index].notifiedAt == nil {
            // Marked durably first, then sent: a daemon killed in between never notifies the day a
            // second time (the day itself stays listed by `bleagent exposures`).
            records[index].notifiedAt = moment
            try await store.saveContactDays([records[index]], now: moment)
            await notifier?.notify(records[index])
            newDays.append(records[index].day.iso8601)
        }
        return newDays
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
        var radioSection: DaemonStatus.Radio?
        if let status = await radio?.status {
            radioSection = .init(adapter: status.adapter, powered: status.powered, advertising: status.advertising, quietReason: status.quietReason,
                                 rotationAgeSeconds: status.rotationAge, txPower: Int(status.txPower), txPowerSource: status.txPowerSource.rawValue,
                                 advertisingInterval: status.advertisingInterval,
                                 scanning: status.passiveScanning ? "passive (advertisement monitor)" : "active (discovery)",
                                 lastScanAt: status.lastScanAt, scanWindows: status.scanWindows, lastError: status.lastError, platform: status.platform)
        }
        return DaemonStatus(version: BLEAgentVersion.current, now: now,
                            consent: .init(accepted: consent?.accepted == true, decidedAt: consent?.decidedAt),
                            radio: radioSection, sightingsToday: today?.sightings ?? 0, droppedToday: today?.dropped ?? 0,
                            downloads: .init(lastAt: lastDownload, nextAt: nextDownload, lastError: lastDownloadError,
                                             filesProcessed: filesProcessed, sources: configuration.sources.count),
                            contactDays: contactDays, storeError: lastStoreError)
    }

    func exposures() async throws(StoreError) -> [ExposureEntry] {
        try await store.contactDays(now: Int64(now)).filter(\.isContactDay).map {
            ExposureEntry(date: $0.day.iso8601, contacts: $0.windows, minutes: $0.seconds / 60, notified: $0.notifiedAt != nil)
        }
    }
}
