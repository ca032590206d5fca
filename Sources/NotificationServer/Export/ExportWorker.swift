import Durability
import ExposureNotification
import Foundation

/// Turns registered keys into signed, static diagnosis-key files, one per region and key day:
/// keys shuffled and padded with random keys up to a minimum count (so a small batch reveals
/// nothing about how many people registered), signed with the server's ECDSA P-256 key, and listed
/// in COCOA's `list.json` and the exposure-notifications-server's `index.txt`. Files older than the
/// retention period go, and so do keys once they live in a published file.
///
/// Crash-safe: an export is first recorded (with its keys assigned) in one transaction, then its
/// file is written (temporary file, fsync, rename), then it is marked published and its keys are
/// deleted. A server stopped anywhere in between finishes the export on the next run: nothing is
/// lost and no key is published twice.
public struct ExportWorker: Sendable {
    public struct Settings: Sendable {
        /// Where files go: `{directory}/{container}/{region}/…`.
        public var directory: String
        /// How clients reach `directory` (list.json holds absolute URLs, as COCOA's does).
        public var publicURL: String
        public var container = "c19r"
        public var regions: [String]
        /// Pad each file with random keys up to this many.
        public var minimumKeys = 1_000
        /// Keys are published only this long after the end of their day (Google: 2 hours), so a
        /// key that stopped early (a shorter rolling period) waits with the others of its day.
        public var embargoSeconds: Int64 = 2 * 3_600
        public var retentionDays = Int64(ContactJudgement.retentionDays)

        public init(directory: String, publicURL: String, regions: [String]) {
            self.directory = directory
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
    }

    public let database: any ServerDatabase
    public let signer: ExportWriter.Signer
    public let settings: Settings

    public init(database: any ServerDatabase, signer: ExportWriter.Signer, settings: Settings) {
        self.database = database
        self.signer = signer
        self.settings = settings
    }

    /// One pass at `now` (unix seconds).
    public func run(now: Int64) async throws(ServerError) -> Report {
        var report = Report()
        removeAbandonedTemporaryFiles()
        // Exports the last run began but did not finish.
        for record in try await database.unfinishedExports() {
            let written = try await write(record)
            report.filesResumed += 1
            report.keysPublished += written.real
            report.paddingKeys += written.padding
        }
        // The first interval of the day that had not ended `embargoSeconds` ago: only keys of earlier days go out.
        let cutoff = UInt32(clamping: max(0, now - settings.embargoSeconds) / 86_400 * Int64(TemporaryExposureKey.maximumRollingPeriod))
        for region in settings.regions {
            for day in try await database.exportableDays(region: region, endedBy: cutoff) {
                guard let record = try await database.beginExport(region: region, day: day, endedBy: cutoff, createdMillis: now * 1_000) else { continue }
                let written = try await write(record)
                report.filesWritten += 1
                report.keysPublished += written.real
                report.paddingKeys += written.padding
            }
        }
        // Retention: drop from the lists first (they are rewritten every pass, which also mends a list a
        // crash left behind), then delete the files.
        let old = try await database.removeExports(createdBefore: (now - settings.retentionDays * 86_400) * 1_000)
        for region in settings.regions { try await publishIndexes(region: region) }
        for record in old {
            try? FileManager.default.removeItem(atPath: path(of: record))
            report.filesDeleted += 1
        }
        try await database.purge(numbersExpiredBefore: now - 86_400,
                                 keysBefore: ExposureDay(unixSeconds: now).adding(days: -Int32(settings.retentionDays + 1)))
        return report
    }

    /// A run killed while writing leaves `.NAME.PID.RANDOM.tmp` files (keys included): the next run
    /// removes those older than ten minutes (a younger one may be another pass's, still being written).
    private func removeAbandonedTemporaryFiles() {
        for region in settings.regions {
            let folder = regionDirectory(region)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                let path = "\(folder)/\(name)"
                let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                if let modified, Date().timeIntervalSince(modified) > 600 { try? FileManager.default.removeItem(atPath: path) }
            }
        }
    }

    func regionDirectory(_ region: String) -> String { "\(settings.directory)/\(settings.container)/\(region)" }
    func path(of record: ExportRecord) -> String { "\(regionDirectory(record.region))/\(record.fileName)" }

    /// Writes the export's file and marks it published.
    private func write(_ record: ExportRecord) async throws(ServerError) -> (real: Int, padding: Int) {
        let real = try await database.keys(ofExport: record.id)
        var generator = SystemRandomNumberGenerator()
        var keys = real
        let padding = max(0, settings.minimumKeys - real.count)
        if let start = record.day.firstInterval {
            for _ in 0..<padding {
                // A padding key looks like a real one of the same file: same day, fields of a random real key.
                var key = TemporaryExposureKey.generate(for: start, using: &generator)
                if let model = real.randomElement(using: &generator) {
                    key.reportType = model.reportType
                    key.daysSinceOnsetOfSymptoms = model.daysSinceOnsetOfSymptoms
                    key.rollingPeriod = TemporaryExposureKey.maximumRollingPeriod
                }
                keys.append(key)
            }
        }
        keys.shuffle(using: &generator)
        let dayStart = UInt64(max(0, record.day.unixSeconds))
        let header = ExportFile.Header(startTimestamp: dayStart, endTimestamp: dayStart + 86_400, region: record.region,
                                       batchNumber: 1, batchSize: 1)
        let archive: Data
        do {
            archive = try ExportWriter.archive(header: header, keys: keys, signer: signer)
        } catch {
            throw .signing("export \(record.id) (\(record.region), \(record.day)): \(error)")
        }
        try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(archive, to: path(of: record), mode: 0o644, folderMode: 0o755) }
        try await database.finishExport(id: record.id)
        return (real.count, padding)
    }

    /// list.json (COCOA) and index.txt (exposure-notifications-server), replaced atomically.
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
        try ServerError.durably { () throws(DurableFileError) in
            try DurableFile.write(json, to: "\(regionDirectory(region))/list.json", mode: 0o644, folderMode: 0o755)
        }
        let index = exports.map { "\(region)/\($0.fileName)\n" }.joined()
        try ServerError.durably { () throws(DurableFileError) in
            try DurableFile.write(Data(index.utf8), to: "\(regionDirectory(region))/index.txt", mode: 0o644, folderMode: 0o755)
        }
    }
}
