import Durability
import ExposureNotification
import Foundation

/// Turns registered keys into signed diagnosis-key files, one per region and key day: keys padded
/// with random keys up to a minimum count (so a small batch reveals nothing about how many people
/// registered), in an order that says nothing (sorted by key data, which is random), signed with the
/// server's ECDSA P-256 key, and listed in COCOA's `list.json` and the exposure-notifications-
/// server's `index.txt`. Files older than the retention period go, and so do keys once they live in
/// a published file.
///
/// Several instances share one database, and exactly one of them exports at a time: a pass first
/// takes the export lease (`ExportLease`), renews it before each file, and every change it makes is
/// fenced by it. Crash-safe and exactly once: an export is first recorded in one transaction (its
/// keys assigned, its padding drawn and stored), then its file is built and stored in the database,
/// marked published and its keys deleted, in a second. An instance stopped in between leaves the
/// export to the next holder, which builds it from the same keys and padding; a holder that lost
/// the lease publishes nothing. Every instance serves the stored files, so all serve the same bytes;
/// the holder also mirrors them to `mirrorDirectory` (for a static web server) when there is one.
public struct ExportWorker: Sendable {
    public struct Settings: Sendable {
        /// Where files are mirrored: `{directory}/{container}/{region}/…` (nil: the database only).
        public var mirrorDirectory: String?
        /// How clients reach the files (list.json holds absolute URLs, as COCOA's does).
        public var publicURL: String
        public var container = "c19r"
        public var regions: [String]
        /// Pad each file with random keys up to this many.
        public var minimumKeys = 1_000
        /// Keys are published only this long after the end of their day (Google: 2 hours), so a
        /// key that stopped early (a shorter rolling period) waits with the others of its day.
        public var embargoSeconds: Int64 = 2 * 3_600
        public var retentionDays = Int64(ContactJudgement.retentionDays)
        /// This instance's name as the lease's holder.
        public var instance = "bleagent-server"
        /// How long the lease lasts without renewal: another instance takes over this long after
        /// the holder stopped.
        public var leaseSeconds = 120

        public init(mirrorDirectory: String?, publicURL: String, regions: [String]) {
            self.mirrorDirectory = mirrorDirectory
            self.publicURL = publicURL
            self.regions = regions
        }
    }

    public struct Report: Sendable, Equatable, Codable {
        public var filesWritten = 0
        public var keysPublished = 0
        public var paddingKeys = 0
        public var filesResumed = 0
        public var filesDeleted = 0
        /// Another instance held the lease: this pass did nothing (its holder and until when, in
        /// milliseconds since 1970).
        public var leaseHolder: String?
        public var leaseUntilMillis: Int64?
    }

    public let database: any ServerDatabase
    public let signer: ExportWriter.Signer
    public let settings: Settings

    public init(database: any ServerDatabase, signer: ExportWriter.Signer, settings: Settings) {
        self.database = database
        self.signer = signer
        self.settings = settings
    }

    /// One pass at `now` (unix seconds; `nowMillis` for the files' `created`), unless another
    /// instance holds the lease (the report says who).
    public func run(now: Int64, nowMillis: Int64? = nil) async throws(ServerError) -> Report {
        var report = Report()
        let holder = settings.instance
        if case .heldBy(let other, let until) = try await database.acquireExportLease(holder: holder, seconds: settings.leaseSeconds) {
            report.leaseHolder = other
            report.leaseUntilMillis = until
            return report
        }
        do {
            try await pass(now: now, nowMillis: nowMillis ?? now * 1_000, report: &report)
        } catch {
            try? await database.releaseExportLease(holder: holder)
            throw error
        }
        try await database.releaseExportLease(holder: holder)
        return report
    }

    private func pass(now: Int64, nowMillis: Int64, report: inout Report) async throws(ServerError) {
        let holder = settings.instance
        // Exports begun but not finished (this or another instance stopped while writing them).
        for record in try await database.unfinishedExports() {
            try await renewLease()
            if let written = try await publish(record) {
                report.filesResumed += 1
                report.keysPublished += written.real
                report.paddingKeys += written.padding
            }
        }
        // The first interval of the day that had not ended `embargoSeconds` ago: only keys of earlier days go out.
        let cutoff = UInt32(clamping: max(0, now - settings.embargoSeconds) / 86_400 * Int64(TemporaryExposureKey.maximumRollingPeriod))
        let minimumKeys = settings.minimumKeys
        for region in settings.regions {
            for day in try await database.exportableDays(region: region, endedBy: cutoff) {
                try await renewLease()
                guard let record = try await database.beginExport(region: region, day: day, endedBy: cutoff, createdMillis: nowMillis, holder: holder,
                                                                  padding: { Self.padding(for: $0, day: day, upTo: minimumKeys) }) else { continue }
                if let written = try await publish(record) {
                    report.filesWritten += 1
                    report.keysPublished += written.real
                    report.paddingKeys += written.padding
                }
            }
        }
        // Retention: drop from the database (and so from the lists), then from the mirror.
        let old = try await database.removeExports(createdBefore: (now - settings.retentionDays * 86_400) * 1_000, holder: holder)
        for region in settings.regions { try await publishIndexes(region: region) }
        report.filesDeleted = old.count
        try await mirror(removing: old)
        try await database.purge(numbersExpiredBefore: now - 86_400,
                                 keysBefore: ExposureDay(unixSeconds: now).adding(days: -Int32(settings.retentionDays + 1)))
    }

    private func renewLease() async throws(ServerError) {
        if case .heldBy = try await database.acquireExportLease(holder: settings.instance, seconds: settings.leaseSeconds) {
            throw .leaseLost(settings.instance)
        }
    }

    /// Padding for an export of `real` keys of `day`: random keys of the same day, each with the
    /// fields of a random real key, up to `minimumKeys` in all.
    static func padding(for real: [TemporaryExposureKey], day: ExposureDay, upTo minimumKeys: Int) -> [TemporaryExposureKey] {
        guard let start = day.firstInterval else { return [] }
        var generator = SystemRandomNumberGenerator()
        return (0..<max(0, minimumKeys - real.count)).map { _ in
            // A padding key looks like a real one of the same file: same day, fields of a random real key.
            var key = TemporaryExposureKey.generate(for: start, using: &generator)
            if let model = real.randomElement(using: &generator) {
                key.reportType = model.reportType
                key.daysSinceOnsetOfSymptoms = model.daysSinceOnsetOfSymptoms
                key.rollingPeriod = TemporaryExposureKey.maximumRollingPeriod
            }
            return key
        }
    }

    func path(of record: ExportRecord) -> String { "\(record.region)/\(record.fileName)" }

    /// Builds the export's file from its stored keys and padding, and publishes it (nil: it had been
    /// published already by an earlier holder).
    private func publish(_ record: ExportRecord) async throws(ServerError) -> (real: Int, padding: Int)? {
        let content = try await database.content(ofExport: record.id)
        // Key data is random: sorted by it, the order says nothing, and a retry lists them alike.
        let keys = (content.keys + content.padding).sorted { $0.keyData.bytes.lexicographicallyPrecedes($1.keyData.bytes) }
        let dayStart = UInt64(max(0, record.day.unixSeconds))
        let header = ExportFile.Header(startTimestamp: dayStart, endTimestamp: dayStart + 86_400, region: record.region,
                                       batchNumber: 1, batchSize: 1)
        let archive: Data
        do {
            archive = try ExportWriter.archive(header: header, keys: keys, signer: signer)
        } catch {
            throw .signing("export \(record.id) (\(record.region), \(record.day)): \(error)")
        }
        let file = PublishedFile(path: path(of: record), data: archive, contentType: "application/zip")
        guard try await database.publishExport(id: record.id, file: file, holder: settings.instance) else { return nil }
        if settings.mirrorDirectory != nil { try writeMirror(file) }
        return (content.keys.count, content.padding.count)
    }

    /// list.json (COCOA) and index.txt (exposure-notifications-server), stored when they changed.
    public func publishIndexes(region: String) async throws(ServerError) {
        let exports = try await database.publishedExports(region: region)
        let base = settings.publicURL.hasSuffix("/") ? String(settings.publicURL.dropLast()) : settings.publicURL
        let list: [[String: Any]] = exports.map { record in
            ["region": Int(record.region).map { $0 as Any } ?? record.region as Any,
             "url": "\(base)/\(settings.container)/\(record.region)/\(record.fileName)", "created": record.createdMillis]
        }
        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
        } catch {
            throw .storage("list.json: \(error)")
        }
        let index = exports.map { "\(region)/\($0.fileName)\n" }.joined()
        let files = [PublishedFile(path: "\(region)/list.json", data: json, contentType: "application/json"),
                     PublishedFile(path: "\(region)/index.txt", data: Data(index.utf8), contentType: "text/plain; charset=utf-8")]
        try await database.storeIndexFiles(files, holder: settings.instance)
        if settings.mirrorDirectory != nil { for file in files { try writeMirror(file) } }
    }

    // MARK: Mirror

    /// A pass killed while mirroring leaves `.NAME.PID.RANDOM.tmp` files: the next one removes those
    /// older than ten minutes (a younger one may be another pass's, still being written).
    private func removeAbandonedTemporaryFiles(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let path = "\(folder)/\(name)"
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            if let modified, Date().timeIntervalSince(modified) > 600 { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    private func mirrorPath(_ path: String) -> String? {
        settings.mirrorDirectory.map { "\($0)/\(settings.container)/\(path)" }
    }

    /// Writes `file` to the mirror unless it holds those bytes already (the lists are offered at
    /// every pass and mostly unchanged: no rewrite and fsync for nothing).
    private func writeMirror(_ file: PublishedFile) throws(ServerError) {
        guard let target = mirrorPath(file.path), FileManager.default.contents(atPath: target) != file.data else { return }
        try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(file.data, to: target, mode: 0o644, folderMode: 0o755) }
    }

    /// Brings the mirror in line with the database: files it lacks (published by another instance,
    /// or while it was unreachable) are written, expired ones deleted.
    private func mirror(removing old: [ExportRecord]) async throws(ServerError) {
        guard settings.mirrorDirectory != nil else { return }
        for record in old { if let target = mirrorPath(path(of: record)) { try? FileManager.default.removeItem(atPath: target) } }
        for region in settings.regions { if let folder = mirrorPath(region) { removeAbandonedTemporaryFiles(in: folder) } }
        for (path, _) in try await database.publishedFileTags().sorted(by: { $0.key < $1.key }) where path.hasSuffix(".zip") {
            guard let target = mirrorPath(path), !FileManager.default.fileExists(atPath: target),
                  let file = try await database.publishedFile(path: path) else { continue }
            try writeMirror(file)
        }
    }
}
