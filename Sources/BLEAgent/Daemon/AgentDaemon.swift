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
    /// The download round in progress, which a second request joins.
    private var round: Task<DownloadReport, Never>?
    /// Bumped when consent is withdrawn: what began before must not write into the fresh store.
    private var generation = 0
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
            await scheduleFromStore()
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
        let started = generation
        do {
            _ = try await store.expire(now: Int64(now))
            if consent?.accepted == true, generation == started {
                try await ownKeys.ensure(store: store, now: now)
                if generation != started { ownKeys.clear() }   // withdrawn meanwhile: keep no key
            }
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
        generation += 1
        consent = nil
        nextDownload = nil
        if let round {
            round.cancel()
            _ = await round.value
        }
        await stopRecording()
        ownKeys.clear()
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
        let logger = logger
        let agent = RadioAgent(connection: bus, configuration: configuration.radioConfiguration, clock: clock,
                               onEvent: { event in logger.notice("radio: \(event)") }) { interval, power in
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
            // 1, 2, 4 … minutes up to the interval, ±20 % so that agents that failed together do not retry together.
            failures += 1
            nextDownload = now + min(60 * pow(2, Double(min(failures - 1, 12))) * Double.random(in: 0.8...1.2), interval)
        } else {
            failures = 0
            nextDownload = now + interval + Double.random(in: 0...(configuration.downloadJitterMinutes * 60))
        }
    }

    /// After a restart the schedule goes on from the last round that reached every source (kept in
    /// the store), so restarts and reboots do not make the agent ask the key server at once each time.
    private func scheduleFromStore() async {
        var oldest = Int64.max
        for source in configuration.sources {
            // A source never reached (or unreadable state): ask now.
            guard let last = (try? await store.downloadState(source: source.name))?.lastSuccessAt else {
                oldest = Int64.min
                break
            }
            oldest = min(oldest, last)
        }
        guard oldest != Int64.min, oldest != Int64.max, Double(oldest) <= now else {
            scheduleNextDownload(afterFailure: false, immediately: true)
            return
        }
        lastDownload = Double(oldest)
        let due = Double(oldest) + configuration.downloadIntervalHours * 3600 + Double.random(in: 0...(configuration.downloadJitterMinutes * 60))
        nextDownload = max(now, due)
    }

    /// Fetches what is new from every source, matches it at once, judges the days and notifies.
    /// One round at a time: a `DownloadNow` during a scheduled round waits for it and gets its report.
    func downloadAndMatch() async -> DownloadReport {
        if let round { return await round.value }
        let task = Task { await self.performRound() }
        round = task
        let report = await task.value
        if round == task { round = nil }
        return report
    }

    private func performRound() async -> DownloadReport {
        var report = DownloadReport(files: 0, matchedKeys: 0, newContactDays: [], errors: [])
        guard consent?.accepted == true else {
            report.errors.append("no consent")
            return report
        }
        let started = generation
        var rounds: [SourceRound] = []
        for source in configuration.sources {
            rounds.append(await fetchNew(from: source))
        }
        let files = rounds.flatMap { round in round.files.map { (name: $0.entry.url.absoluteString, data: $0.data) } }
        report.files = files.count
        do {
            try ensureCurrent(started)
            let matched = try await match(files, started: started)
            report.matchedKeys = matched.keys
            report.newContactDays = matched.newDays
            var outcomes = matched.outcomes[...]
            for source in rounds {
                let (state, errors) = source.finish(outcomes: Array(outcomes.prefix(source.files.count)), now: Int64(now))
                outcomes = outcomes.dropFirst(source.files.count)
                try ensureCurrent(started)
                try await store.saveDownloadState(state, source: source.source)
                report.errors += errors
            }
        } catch {
            report.errors.append("\(error)")
        }
        guard generation == started else { return report }
        lastDownload = now
        lastDownloadError = report.errors.first
        if !report.errors.isEmpty { logger.error("downloading keys: \(report.errors.joined(separator: "; "))") }
        scheduleNextDownload(afterFailure: !report.errors.isEmpty)
        return report
    }

    /// Work begun before consent was withdrawn must not write into the fresh store.
    private func ensureCurrent(_ started: Int) throws(RoundAbandoned) {
        guard generation == started, !Task.isCancelled else { throw RoundAbandoned() }
    }

    private struct RoundAbandoned: Error, CustomStringConvertible {
        var description: String { "consent was withdrawn during the round: its results were discarded" }
    }

    /// The files `source` lists past its saved position, fetched in order until one cannot be.
    private func fetchNew(from source: AgentConfiguration.KeySource) async -> SourceRound {
        var round = SourceRound(source: source.name, start: DownloadState())
        do {
            round.start = try await store.downloadState(source: source.name) ?? DownloadState()
            let index = try await downloader.fetch(source.url, maximumBytes: configuration.maximumIndexBytes)
            let entries: [KeyFileIndex.Entry]
            switch source.kind {
            case .listJSON(let url): entries = try KeyFileIndex.parseListJSON(index, listURL: url)
            case .indexTXT(let url): entries = try KeyFileIndex.parseIndexTXT(index, indexURL: url)
            }
            for entry in SourceRound.pending(entries, after: round.start) {
                do {
                    round.files.append(.init(entry: entry, data: try await downloader.fetch(entry.url, maximumBytes: configuration.maximumFileBytes)))
                } catch {
                    round.stoppedAt = entry
                    throw error
                }
            }
        } catch {
            round.failure = "\(error)"
        }
        return round
    }

    private func match(_ files: [(name: String, data: Data)], started: Int) async throws
        -> (keys: Int, newDays: [String], outcomes: [MatchReport.FileOutcome.Status]) {
        let moment = Int64(now)
        var matchedKeys = 0
        var outcomes: [MatchReport.FileOutcome.Status] = []
        if !files.isEmpty {
            let table = try await store.sightingTable(now: moment)
            let processed = try await store.processedFiles()
            let matcher = Matcher(index: SightingIndex(table: table), keyring: configuration.keyring,
                                  policy: configuration.signaturePolicy)
            let sources = files.map { file in ExportSource(name: file.name) { .zip(file.data) } }
            // Matching runs on all cores: off Swift's cooperative pool.
            let report = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: matcher.match(sources, alreadyProcessed: processed)) }.start()
            }
            outcomes = report.files.map(\.status)
            try ensureCurrent(started)
            let windows = ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: configuration.risk)
            try await store.saveExposureWindows(windows, now: moment)
            try ensureCurrent(started)
            try await store.recordProcessed(report.newlyProcessed, now: moment)
            matchedKeys = report.matches.count { !$0.hits.isEmpty }
        }
        // The matcher's tables and the files are gone: hand the freed heap back to the system, so
        // an idle daemon is as small after a download as before it.
        if !files.isEmpty { HeapTrim.returnFreedMemory() }
        try ensureCurrent(started)
        let newDays = try await judgeAndNotify(started: started)
        return (matchedKeys, newDays, outcomes)
    }

    /// The one judgement over every window held; each new contact day is notified once.
    private func judgeAndNotify(started: Int) async throws -> [String] {
        let moment = Int64(now)
        let windows = try await store.exposureWindows(now: moment)
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: configuration.risk, today: ExposureDay(unixSeconds: moment))
        let previous = Dictionary(try await store.contactDays(now: moment).map { ($0.day, $0) }, uniquingKeysWith: { $1 })
        var records = days.map { ContactDayRecord($0, notifiedAt: previous[$0.day]?.notifiedAt) }
        try ensureCurrent(started)
        try await store.saveContactDays(records, now: moment)
        var newDays: [String] = []
        for index in records.indices where records[index].isContactDay && records[index].notifiedAt == nil {
            try ensureCurrent(started)
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
                                             filesProcessed: (try? await store.processedFiles().count) ?? 0, sources: configuration.sources.count),
                            contactDays: contactDays, storeError: lastStoreError,
                            storeLoss: statistics?.durabilityLoss?.description)
    }

    func exposures() async throws(StoreError) -> [ExposureEntry] {
        try await store.contactDays(now: Int64(now)).filter(\.isContactDay).map {
            ExposureEntry(date: $0.day.iso8601, contacts: $0.windows, minutes: $0.seconds / 60, notified: $0.notifiedAt != nil)
        }
    }
}
