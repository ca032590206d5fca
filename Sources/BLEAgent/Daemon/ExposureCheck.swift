import ContactStore
import ExposureNotification
import Foundation

/// What the exposure check needs of the store (the contact store has it; tests give a fake).
protocol ExposureStore: Sendable {
    func sightingTable(now: Int64) async throws(StoreError) -> SightingTable
    func processedFiles() async throws(StoreError) -> Set<FileDigest>
    func recordProcessed(_ digests: [FileDigest], now: Int64) async throws(StoreError)
    /// Saves matched windows; returns every window held afterwards.
    func saveExposureWindows(_ windows: [ExposureWindow], now: Int64) async throws(StoreError) -> [ExposureWindow]
    func exposureWindows(now: Int64) async throws(StoreError) -> [ExposureWindow]
    func contactDays(now: Int64) async throws(StoreError) -> [ContactDayRecord]
    func saveContactDays(_ records: [ContactDayRecord], now: Int64) async throws(StoreError)
}

extension ContactStore: ExposureStore {}

/// Matches fetched key files against what was heard, then judges every window held with the one
/// judgement and notifies each new contact day once. Stops (throws `CancellationError`) between
/// steps when its task is cancelled — consent withdrawn: nothing more is written.
struct ExposureCheck: Sendable {
    struct Outcome: Sendable {
        /// Keys with at least one hit.
        var matchedKeys = 0
        /// What the matcher did with each file, in the order given.
        var files: [MatchReport.FileOutcome.Status] = []
        /// Contact days notified by this check.
        var newContactDays: [ContactDayRecord] = []
    }

    let store: any ExposureStore
    let keyring: VerificationKeyring
    let policy: SignaturePolicy
    let risk: RiskConfiguration
    /// Tells the user (journal, D-Bus signal, hook); called after the day is marked notified.
    let notify: @Sendable (ContactDayRecord) async -> Void

    /// Matches `files` (loaded one per matching thread, never all at once), then judges.
    func run(_ files: [ExportSource], now: Int64) async throws -> Outcome {
        var outcome = Outcome()
        var windows: [ExposureWindow]?
        if !files.isEmpty {
            let table = try await store.sightingTable(now: now)
            let matcher = Matcher(index: SightingIndex(table: table), keyring: keyring, policy: policy)
            let processed = try await store.processedFiles()
            // Matching runs on all cores: off Swift's cooperative pool.
            let report = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: matcher.match(files, alreadyProcessed: processed)) }.start()
            }
            outcome.files = report.files.map(\.status)
            outcome.matchedKeys = report.matches.count { !$0.hits.isEmpty }
            try Task.checkCancellation()
            windows = try await store.saveExposureWindows(ExposureWindowBuilder.windows(from: report.matches, table: table, configuration: risk),
                                                         now: now)
            try Task.checkCancellation()
            try await store.recordProcessed(report.newlyProcessed, now: now)
            // The matcher's tables and the files are gone: hand the freed heap back to the system,
            // so an idle daemon is as small after a download as before it.
            HeapTrim.returnFreedMemory()
        }
        try Task.checkCancellation()
        let held: [ExposureWindow]
        if let windows { held = windows } else { held = try await store.exposureWindows(now: now) }
        outcome.newContactDays = try await judge(windows: held, now: now)
        return outcome
    }

    /// The one judgement over `windows` (every window held); each new contact day is marked
    /// notified durably, then notified — a daemon killed in between never notifies a day twice
    /// (the day stays listed by `bleagent exposures`).
    func judge(windows: [ExposureWindow], now: Int64) async throws -> [ContactDayRecord] {
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: risk, today: ExposureDay(unixSeconds: now))
        let previous = Dictionary(try await store.contactDays(now: now).map { ($0.day, $0) }, uniquingKeysWith: { $1 })
        var records = days.map { ContactDayRecord($0, notifiedAt: previous[$0.day]?.notifiedAt) }
        try Task.checkCancellation()
        try await store.saveContactDays(records, now: now)
        var notified: [ContactDayRecord] = []
        for index in records.indices where records[index].isContactDay && records[index].notifiedAt == nil {
            try Task.checkCancellation()
            records[index].notifiedAt = now
            try await store.saveContactDays([records[index]], now: now)
            await notify(records[index])
            notified.append(records[index])
        }
        return notified
    }
}
