import ExposureNotification
import Foundation
import GRDB

/// The tables, written once for both back-ends (only the binary and auto-increment types differ).
enum ServerSchema {
    enum Dialect { case sqlite, postgres }

    /// Every table (PostgreSQL creates what is missing at each start; SQLite migrates v1 then v2).
    static func statements(for dialect: Dialect) -> [String] {
        firstStatements(for: dialect) + scaleOutStatements(for: dialect)
    }

    /// Schema v1: cases, numbers, exports and pending keys.
    static func firstStatements(for dialect: Dialect) -> [String] {
        let blob = dialect == .sqlite ? "BLOB" : "BYTEA"
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE IF NOT EXISTS cases (
                id TEXT PRIMARY KEY, numbers_issued INTEGER NOT NULL, registered_at BIGINT, created_at BIGINT NOT NULL)
            """,
            // Only the keyed hash of a number; after use a tombstone (hash, idempotency key, request
            // digest) stays until the number would have expired, so a reuse gets "used", not "unknown".
            """
            CREATE TABLE IF NOT EXISTS processing_numbers (
                hash \(blob) PRIMARY KEY, case_id TEXT NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
                state INTEGER NOT NULL, idempotency_key TEXT, request_digest \(blob), used_at BIGINT)
            """,
            "CREATE INDEX IF NOT EXISTS processing_numbers_case ON processing_numbers (case_id)",
            """
            CREATE TABLE IF NOT EXISTS exports (
                id \(serial), region TEXT NOT NULL, day INTEGER NOT NULL, created_ms BIGINT NOT NULL,
                key_count INTEGER NOT NULL, published INTEGER NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS diagnosis_keys (
                id \(blob) PRIMARY KEY, key_data \(blob) NOT NULL, rolling_start BIGINT NOT NULL, rolling_period INTEGER NOT NULL,
                report_type INTEGER NOT NULL, days_since_onset INTEGER, region TEXT NOT NULL, day INTEGER NOT NULL,
                received_at BIGINT NOT NULL, export_id BIGINT)
            """,
            "CREATE INDEX IF NOT EXISTS diagnosis_keys_pending ON diagnosis_keys (region, day, export_id)",
            "CREATE INDEX IF NOT EXISTS diagnosis_keys_export ON diagnosis_keys (export_id)",
        ]
    }

    /// What several instances share besides cases and keys (schema v2): the fingerprints of the
    /// secrets the database was initialised with, the export lease, each export's padding (drawn
    /// once, so a retried export holds the same keys), the published files themselves, and the
    /// registration attempts the throttle counts.
    static func scaleOutStatements(for dialect: Dialect) -> [String] {
        let blob = dialect == .sqlite ? "BLOB" : "BYTEA"
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            "CREATE TABLE IF NOT EXISTS server_identity (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            // One row per lease ("export"): who holds it until when (milliseconds of the database's
            // clock), and the last `created` handed out, so list.json's values only ever grow.
            """
            CREATE TABLE IF NOT EXISTS export_lease (
                name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL, last_created_ms BIGINT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS export_padding (
                export_id BIGINT NOT NULL, key_data \(blob) NOT NULL, rolling_start BIGINT NOT NULL, rolling_period INTEGER NOT NULL,
                report_type INTEGER NOT NULL, days_since_onset INTEGER)
            """,
            "CREATE INDEX IF NOT EXISTS export_padding_export ON export_padding (export_id)",
            // Paths relative to the container folder: "440/2026-11-20-17.zip", "440/list.json".
            """
            CREATE TABLE IF NOT EXISTS published_files (
                path TEXT PRIMARY KEY, export_id BIGINT, data \(blob) NOT NULL, etag TEXT NOT NULL, content_type TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS attempts (
                id \(serial), kind TEXT NOT NULL, client TEXT NOT NULL, at BIGINT NOT NULL, charged INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS attempts_client ON attempts (kind, client, at)",
            "CREATE INDEX IF NOT EXISTS attempts_charged ON attempts (kind, charged, at)",
        ]
    }

    static func keyArguments(_ pending: PendingKey, now: Int64) -> StatementArguments {
        let key = pending.key
        return [pending.id, Data(key.keyData.bytes), Int64(key.rollingStartIntervalNumber.rawValue), Int64(key.rollingPeriod),
                Int64(key.reportType?.rawValue ?? ReportType.confirmedTest.rawValue), key.daysSinceOnsetOfSymptoms.map { (days: Int32) -> Int64 in Int64(days) },
                pending.region, key.day.rawValue, now]
    }

    /// A padding key's columns after its export's id.
    static func paddingArguments(_ key: TemporaryExposureKey) -> StatementArguments {
        [Data(key.keyData.bytes), Int64(key.rollingStartIntervalNumber.rawValue), Int64(key.rollingPeriod),
         Int64(key.reportType?.rawValue ?? ReportType.confirmedTest.rawValue), key.daysSinceOnsetOfSymptoms.map { (days: Int32) -> Int64 in Int64(days) }]
    }

    static func key(data: Data, start: Int64, period: Int64, reportType: Int64, daysSinceOnset: Int64?) -> TemporaryExposureKey? {
        guard let block = Block16(bytes: data), let start = UInt32(exactly: start), let period = UInt32(exactly: period) else { return nil }
        return TemporaryExposureKey(keyData: block, rollingStartIntervalNumber: ENIntervalNumber(rawValue: start), rollingPeriod: period,
                                    reportType: ReportType(rawValue: Int32(clamping: reportType)),
                                    daysSinceOnsetOfSymptoms: daysSinceOnset.map { (days: Int64) -> Int32 in Int32(clamping: days) })
    }
}
