import ExposureNotification
import Foundation
import PostgresNIO

/// Exports, the lease that fences them, the published files, the shared identity and the throttle's
/// attempts, for several instances on one database. Time for the lease is the database's
/// (`clock_timestamp()`), so instances on different machines need not agree on theirs.
extension PostgresServerDatabase {
    /// Milliseconds since 1970 by the database's clock, as SQL.
    static let databaseMillis = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

    /// Locks the lease's row for the transaction; throws `.leaseLost` unless `holder` holds it and
    /// it has not run out. Returns the last `created` handed out.
    @discardableResult
    func checkLease(_ connection: PostgresConnection, holder: String) async throws -> Int64 {
        let found = try await connection.all("""
            SELECT last_created_ms FROM export_lease
            WHERE name = \(ExportLease.name) AND holder = \(holder) AND expires_ms > \(unescaped: Self.databaseMillis) FOR UPDATE
            """, as: Int64.self, logger: logger)
        guard let last = found.first else { throw ServerError.leaseLost(holder) }
        return last
    }

    public func acquireExportLease(holder: String, seconds: Int) async throws(ServerError) -> ExportLease.State {
        let milliseconds = Int64(seconds) * 1_000
        return try await transaction { connection in
            let taken = try await connection.count("""
                INSERT INTO export_lease (name, holder, expires_ms, last_created_ms)
                VALUES (\(ExportLease.name), \(holder), \(unescaped: Self.databaseMillis) + \(milliseconds), 0)
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_ms = EXCLUDED.expires_ms
                WHERE export_lease.holder = EXCLUDED.holder OR export_lease.expires_ms <= \(unescaped: Self.databaseMillis)
                RETURNING 1
                """, logger: logger)
            if taken == 1 { return .acquired }
            let current = try await connection.all("SELECT holder, expires_ms FROM export_lease WHERE name = \(ExportLease.name)",
                                                   as: (String, Int64).self, logger: logger)
            guard let (other, until) = current.first else { throw ServerError.database("the export lease's row vanished") }
            return .heldBy(other, untilMillis: until)
        }
    }

    public func releaseExportLease(holder: String) async throws(ServerError) {
        try await transaction { connection in
            try await connection.execute("UPDATE export_lease SET expires_ms = 0 WHERE name = \(ExportLease.name) AND holder = \(holder)", logger: logger)
        }
    }

    public func exportableDays(region: String, endedBy interval: UInt32) async throws(ServerError) -> [ExposureDay] {
        try await rows("""
            SELECT DISTINCT day FROM diagnosis_keys WHERE region = \(region) AND export_id IS NULL AND rolling_start + rolling_period <= \(Int64(interval))
            ORDER BY day
            """, as: (Int).self).map { (day: Int) in ExposureDay(rawValue: Int32(clamping: day)) }
    }

    public func beginExport(region: String, day: ExposureDay, endedBy interval: UInt32, createdMillis: Int64, holder: String,
                            padding: @escaping @Sendable ([TemporaryExposureKey]) -> [TemporaryExposureKey]) async throws(ServerError) -> ExportRecord? {
        let dayNumber = Int(day.rawValue), cutoff = Int64(interval)
        return try await transaction { connection in
            let last = try await checkLease(connection, holder: holder)
            let created = max(createdMillis, last + 1)
            let id = try await connection.all("""
                INSERT INTO exports (region, day, created_ms, key_count, published) VALUES (\(region), \(dayNumber), \(created), 0, 0) RETURNING id
                """, as: (Int64).self, logger: logger)
            guard let exportID = id.first else { throw ServerError.database("INSERT … RETURNING id returned nothing") }
            // Only the lease holder claims keys, and it holds the lease's row locked: no other pass competes.
            let claimed = try await connection.all("""
                UPDATE diagnosis_keys SET export_id = \(exportID) WHERE region = \(region) AND day = \(dayNumber) AND export_id IS NULL
                AND rolling_start + rolling_period <= \(cutoff) RETURNING key_data, rolling_start, rolling_period, report_type, days_since_onset
                """, as: (Data, Int64, Int, Int, Int?).self, logger: logger)
            let keys = claimed.compactMap(Self.key)
            guard !keys.isEmpty else {
                try await connection.execute("DELETE FROM exports WHERE id = \(exportID)", logger: logger)
                return nil
            }
            for key in padding(keys) {
                let data = Data(key.keyData.bytes), start = Int64(key.rollingStartIntervalNumber.rawValue), period = Int(key.rollingPeriod)
                let type = Int(key.reportType?.rawValue ?? ReportType.confirmedTest.rawValue)
                let days: Int? = key.daysSinceOnsetOfSymptoms.map { (days: Int32) -> Int in Int(days) }
                try await connection.execute("""
                    INSERT INTO export_padding (export_id, key_data, rolling_start, rolling_period, report_type, days_since_onset)
                    VALUES (\(exportID), \(data), \(start), \(period), \(type), \(days))
                    """, logger: logger)
            }
            try await connection.execute("UPDATE exports SET key_count = \(keys.count) WHERE id = \(exportID)", logger: logger)
            try await connection.execute("UPDATE export_lease SET last_created_ms = \(created) WHERE name = \(ExportLease.name)", logger: logger)
            return ExportRecord(id: exportID, region: region, day: day, createdMillis: created, keyCount: keys.count)
        }
    }

    static func key(_ row: (Data, Int64, Int, Int, Int?)) -> TemporaryExposureKey? {
        ServerSchema.key(data: row.0, start: row.1, period: Int64(row.2), reportType: Int64(row.3), daysSinceOnset: row.4.map(Int64.init))
    }

    public func content(ofExport id: Int64) async throws(ServerError) -> ExportContent {
        let keys = try await rows("""
            SELECT key_data, rolling_start, rolling_period, report_type, days_since_onset FROM diagnosis_keys WHERE export_id = \(id)
            """, as: (Data, Int64, Int, Int, Int?).self).compactMap(Self.key)
        let padding = try await rows("""
            SELECT key_data, rolling_start, rolling_period, report_type, days_since_onset FROM export_padding WHERE export_id = \(id)
            """, as: (Data, Int64, Int, Int, Int?).self).compactMap(Self.key)
        return ExportContent(keys: keys, padding: padding)
    }

    public func unfinishedExports() async throws(ServerError) -> [ExportRecord] {
        try await exports("SELECT id, region, day, created_ms, key_count FROM exports WHERE published = 0 ORDER BY created_ms, id")
    }

    public func publishExport(id: Int64, file: PublishedFile, holder: String) async throws(ServerError) -> Bool {
        try await transaction { connection in
            try await checkLease(connection, holder: holder)
            let marked = try await connection.count("UPDATE exports SET published = 1 WHERE id = \(id) AND published = 0 RETURNING 1", logger: logger)
            guard marked == 1 else { return false }
            try await connection.execute("""
                INSERT INTO published_files (path, export_id, data, etag, content_type) VALUES (\(file.path), \(id), \(file.data), \(file.etag), \(file.contentType))
                """, logger: logger)
            try await connection.execute("DELETE FROM diagnosis_keys WHERE export_id = \(id)", logger: logger)
            try await connection.execute("DELETE FROM export_padding WHERE export_id = \(id)", logger: logger)
            return true
        }
    }

    public func storeIndexFiles(_ files: [PublishedFile], holder: String) async throws(ServerError) {
        try await transaction { connection in
            try await checkLease(connection, holder: holder)
            for file in files {
                try await connection.execute("""
                    INSERT INTO published_files (path, export_id, data, etag, content_type) VALUES (\(file.path), NULL, \(file.data), \(file.etag), \(file.contentType))
                    ON CONFLICT (path) DO UPDATE SET data = EXCLUDED.data, etag = EXCLUDED.etag, content_type = EXCLUDED.content_type
                    WHERE published_files.etag <> EXCLUDED.etag
                    """, logger: logger)
            }
        }
    }

    public func publishedExports(region: String) async throws(ServerError) -> [ExportRecord] {
        try await exports("SELECT id, region, day, created_ms, key_count FROM exports WHERE published = 1 AND region = \(region) ORDER BY created_ms, id")
    }

    public func removeExports(createdBefore millis: Int64, holder: String) async throws(ServerError) -> [ExportRecord] {
        let removed = try await transaction { connection in
            try await checkLease(connection, holder: holder)
            try await connection.execute("""
                DELETE FROM published_files WHERE export_id IN (SELECT id FROM exports WHERE published = 1 AND created_ms < \(millis))
                """, logger: logger)
            return try await connection.all("""
                DELETE FROM exports WHERE published = 1 AND created_ms < \(millis) RETURNING id, region, day, created_ms, key_count
                """, as: (Int64, String, Int, Int64, Int).self, logger: logger)
        }
        return removed.map { id, region, day, created, count in
            ExportRecord(id: id, region: region, day: ExposureDay(rawValue: Int32(clamping: day)), createdMillis: created, keyCount: count)
        }.sorted { ($0.createdMillis, $0.id) < ($1.createdMillis, $1.id) }
    }

    public func publishedFile(path: String) async throws(ServerError) -> PublishedFile? {
        try await rows("SELECT data, etag, content_type FROM published_files WHERE path = \(path)", as: (Data, String, String).self)
            .first.map { data, etag, type in PublishedFile(path: path, data: data, etag: etag, contentType: type) }
    }

    public func publishedFileTags() async throws(ServerError) -> [String: String] {
        var tags: [String: String] = [:]
        for (path, etag) in try await rows("SELECT path, etag FROM published_files", as: (String, String).self) { tags[path] = etag }
        return tags
    }

    public func adoptIdentity(_ values: [String: String]) async throws(ServerError) -> [String: String] {
        try await transaction { connection in
            var stored: [String: String] = [:]
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try await connection.execute("INSERT INTO server_identity (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO NOTHING",
                                             logger: logger)
                stored[name] = try await connection.all("SELECT value FROM server_identity WHERE name = \(name)", as: String.self, logger: logger).first
            }
            return stored
        }
    }

    public func admitAttempt(_ attempt: AttemptThrottle.Attempt, limits: AttemptThrottle.Limits) async throws(ServerError) -> AttemptThrottle.Verdict {
        let since = attempt.now - limits.window
        return try await transaction { connection in
            // Every instance's attempts of this kind, one after another: the budget is checked and
            // spent atomically.
            try await connection.execute("SELECT pg_advisory_xact_lock(4402, hashtext(\(attempt.kind)))", logger: logger)
            try await connection.execute("DELETE FROM attempts WHERE kind = \(attempt.kind) AND at <= \(since)", logger: logger)
            let failures = try await connection.all("""
                SELECT COUNT(*), MIN(at) FROM attempts WHERE kind = \(attempt.kind) AND charged = 1 AND at > \(since)
                """, as: (Int, Int64?).self, logger: logger)
            let client = try await connection.all("""
                SELECT COUNT(*), MIN(at) FROM attempts WHERE kind = \(attempt.kind) AND client = \(attempt.client) AND at > \(since)
                """, as: (Int, Int64?).self, logger: logger)
            if let refused = AttemptThrottle.verdict(failures: failures.first?.0 ?? 0, oldestFailure: failures.first?.1,
                                                     clientAttempts: client.first?.0 ?? 0, oldestClientAttempt: client.first?.1,
                                                     now: attempt.now, limits: limits) {
                return refused
            }
            let id = try await connection.all("""
                INSERT INTO attempts (kind, client, at, charged) VALUES (\(attempt.kind), \(attempt.client), \(attempt.now), \(attempt.charged ? 1 : 0)) RETURNING id
                """, as: Int64.self, logger: logger)
            guard let id = id.first else { throw ServerError.database("INSERT … RETURNING id returned nothing") }
            return .allowed(id)
        }
    }

    public func refundAttempt(id: Int64) async throws(ServerError) {
        try await transaction { connection in
            try await connection.execute("UPDATE attempts SET charged = 0 WHERE id = \(id)", logger: logger)
        }
    }
}
