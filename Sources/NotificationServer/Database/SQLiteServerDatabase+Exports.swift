import ExposureNotification
import Foundation
import GRDB

/// Exports, the lease that fences them, and the published files (see `ExportLease`). SQLite runs
/// one writer at a time, so each method is one write transaction; the lease's clock is the system's.
extension SQLiteServerDatabase {
    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

    /// Throws `.leaseLost` unless `holder` holds a running lease; returns the last `created` handed out.
    @discardableResult
    static func checkLease(_ db: Database, holder: String) throws -> Int64 {
        guard let row = try Row.fetchOne(db, sql: "SELECT expires_ms, last_created_ms FROM export_lease WHERE name = ? AND holder = ?",
                                         arguments: [ExportLease.name, holder]),
              (row["expires_ms"] as Int64) > nowMillis() else { throw ServerError.leaseLost(holder) }
        return row["last_created_ms"]
    }

    public func acquireExportLease(holder: String, seconds: Int) async throws(ServerError) -> ExportLease.State {
        try await write { db in
            let now = Self.nowMillis(), until = now + Int64(seconds) * 1_000
            if let row = try Row.fetchOne(db, sql: "SELECT holder, expires_ms FROM export_lease WHERE name = ?", arguments: [ExportLease.name]) {
                let current: String = row["holder"], expires: Int64 = row["expires_ms"]
                guard current == holder || expires <= now else { return .heldBy(current, untilMillis: expires) }
                try db.execute(sql: "UPDATE export_lease SET holder = ?, expires_ms = ? WHERE name = ?", arguments: [holder, until, ExportLease.name])
            } else {
                try db.execute(sql: "INSERT INTO export_lease (name, holder, expires_ms, last_created_ms) VALUES (?, ?, ?, 0)",
                               arguments: [ExportLease.name, holder, until])
            }
            return .acquired
        }
    }

    public func releaseExportLease(holder: String) async throws(ServerError) {
        try await write { db in
            try db.execute(sql: "UPDATE export_lease SET expires_ms = 0 WHERE name = ? AND holder = ?", arguments: [ExportLease.name, holder])
        }
    }

    public func exportableDays(region: String, endedBy interval: UInt32) async throws(ServerError) -> [ExposureDay] {
        try await read { db in
            try Int32.fetchAll(db, sql: """
                SELECT DISTINCT day FROM diagnosis_keys WHERE region = ? AND export_id IS NULL AND rolling_start + rolling_period <= ? ORDER BY day
                """, arguments: [region, Int64(interval)]).map(ExposureDay.init(rawValue:))
        }
    }

    public func beginExport(region: String, day: ExposureDay, endedBy interval: UInt32, createdMillis: Int64, holder: String,
                            padding: @escaping @Sendable ([TemporaryExposureKey]) -> [TemporaryExposureKey]) async throws(ServerError) -> ExportRecord? {
        try await write { db in
            let last = try Self.checkLease(db, holder: holder)
            let condition = "region = ? AND day = ? AND export_id IS NULL AND rolling_start + rolling_period <= ?"
            let arguments: StatementArguments = [region, day.rawValue, Int64(interval)]
            let keys = try Row.fetchAll(db, sql: """
                SELECT key_data, rolling_start, rolling_period, report_type, days_since_onset FROM diagnosis_keys WHERE \(condition)
                """, arguments: arguments).compactMap(Self.key(row:))
            guard !keys.isEmpty else { return nil }
            let created = max(createdMillis, last + 1)
            try db.execute(sql: "INSERT INTO exports (region, day, created_ms, key_count, published) VALUES (?, ?, ?, ?, 0)",
                           arguments: [region, day.rawValue, created, keys.count])
            let id = db.lastInsertedRowID
            try db.execute(sql: "UPDATE diagnosis_keys SET export_id = ? WHERE \(condition)", arguments: [id] + arguments)
            for key in padding(keys) {
                try db.execute(sql: """
                    INSERT INTO export_padding (export_id, key_data, rolling_start, rolling_period, report_type, days_since_onset)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id] + ServerSchema.paddingArguments(key))
            }
            try db.execute(sql: "UPDATE export_lease SET last_created_ms = ? WHERE name = ?", arguments: [created, ExportLease.name])
            return ExportRecord(id: id, region: region, day: day, createdMillis: created, keyCount: keys.count)
        }
    }

    static func key(row: Row) -> TemporaryExposureKey? {
        ServerSchema.key(data: row["key_data"], start: row["rolling_start"], period: row["rolling_period"],
                         reportType: row["report_type"], daysSinceOnset: row["days_since_onset"])
    }

    public func content(ofExport id: Int64) async throws(ServerError) -> ExportContent {
        try await read { db in
            let columns = "key_data, rolling_start, rolling_period, report_type, days_since_onset"
            return ExportContent(
                keys: try Row.fetchAll(db, sql: "SELECT \(columns) FROM diagnosis_keys WHERE export_id = ?", arguments: [id]).compactMap(Self.key(row:)),
                padding: try Row.fetchAll(db, sql: "SELECT \(columns) FROM export_padding WHERE export_id = ?", arguments: [id]).compactMap(Self.key(row:)))
        }
    }

    public func unfinishedExports() async throws(ServerError) -> [ExportRecord] {
        try await read { db in try Self.exports(db, where: "published = 0", arguments: []) }
    }

    public func publishExport(id: Int64, file: PublishedFile, holder: String) async throws(ServerError) -> Bool {
        try await write { db in
            try Self.checkLease(db, holder: holder)
            try db.execute(sql: "UPDATE exports SET published = 1 WHERE id = ? AND published = 0", arguments: [id])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "INSERT INTO published_files (path, export_id, data, etag, content_type) VALUES (?, ?, ?, ?, ?)",
                           arguments: [file.path, id, file.data, file.etag, file.contentType])
            try db.execute(sql: "DELETE FROM diagnosis_keys WHERE export_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM export_padding WHERE export_id = ?", arguments: [id])
            return true
        }
    }

    public func storeIndexFiles(_ files: [PublishedFile], holder: String) async throws(ServerError) {
        try await write { db in
            try Self.checkLease(db, holder: holder)
            for file in files {
                try db.execute(sql: """
                    INSERT INTO published_files (path, export_id, data, etag, content_type) VALUES (?, NULL, ?, ?, ?)
                    ON CONFLICT (path) DO UPDATE SET data = excluded.data, etag = excluded.etag, content_type = excluded.content_type
                    WHERE published_files.etag <> excluded.etag
                    """, arguments: [file.path, file.data, file.etag, file.contentType])
            }
        }
    }

    public func publishedExports(region: String) async throws(ServerError) -> [ExportRecord] {
        try await read { db in try Self.exports(db, where: "published = 1 AND region = ?", arguments: [region]) }
    }

    public func removeExports(createdBefore millis: Int64, holder: String) async throws(ServerError) -> [ExportRecord] {
        try await write { db in
            try Self.checkLease(db, holder: holder)
            let old = try Self.exports(db, where: "published = 1 AND created_ms < ?", arguments: [millis])
            for record in old { try db.execute(sql: "DELETE FROM published_files WHERE export_id = ?", arguments: [record.id]) }
            try db.execute(sql: "DELETE FROM exports WHERE published = 1 AND created_ms < ?", arguments: [millis])
            return old
        }
    }

    public func publishedFile(path: String) async throws(ServerError) -> PublishedFile? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT data, etag, content_type FROM published_files WHERE path = ?", arguments: [path]).map { row in
                PublishedFile(path: path, data: row["data"], etag: row["etag"], contentType: row["content_type"])
            }
        }
    }

    public func publishedFileTags() async throws(ServerError) -> [String: String] {
        try await read { db in
            var tags: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT path, etag FROM published_files") { tags[row["path"]] = row["etag"] }
            return tags
        }
    }

    public func adoptIdentity(_ values: [String: String]) async throws(ServerError) -> [String: String] {
        try await write { db in
            var stored: [String: String] = [:]
            for (name, value) in values {
                try db.execute(sql: "INSERT INTO server_identity (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", arguments: [name, value])
                stored[name] = try String.fetchOne(db, sql: "SELECT value FROM server_identity WHERE name = ?", arguments: [name])
            }
            return stored
        }
    }

    public func admitAttempt(_ attempt: AttemptThrottle.Attempt, limits: AttemptThrottle.Limits) async throws(ServerError) -> AttemptThrottle.Verdict {
        try await write { db in
            let since = attempt.now - limits.window
            try db.execute(sql: "DELETE FROM attempts WHERE kind = ? AND at <= ?", arguments: [attempt.kind, since])
            let failures = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM attempts WHERE kind = ? AND charged = 1 AND at > ?",
                                            arguments: [attempt.kind, since])
            let client = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM attempts WHERE kind = ? AND client = ? AND at > ?",
                                          arguments: [attempt.kind, attempt.client, since])
            if let refused = AttemptThrottle.verdict(failures: failures?["n"] ?? 0, oldestFailure: failures?["oldest"],
                                                     clientAttempts: client?["n"] ?? 0, oldestClientAttempt: client?["oldest"],
                                                     now: attempt.now, limits: limits) {
                return refused
            }
            try db.execute(sql: "INSERT INTO attempts (kind, client, at, charged) VALUES (?, ?, ?, ?)",
                           arguments: [attempt.kind, attempt.client, attempt.now, attempt.charged ? 1 : 0])
            return .allowed(db.lastInsertedRowID)
        }
    }

    public func refundAttempt(id: Int64) async throws(ServerError) {
        try await write { db in try db.execute(sql: "UPDATE attempts SET charged = 0 WHERE id = ?", arguments: [id]) }
    }
}
