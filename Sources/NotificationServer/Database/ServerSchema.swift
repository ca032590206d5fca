import ExposureNotification
import Foundation
import GRDB

/// The tables, written once for both back-ends (only the binary and auto-increment types differ).
enum ServerSchema {
    enum Dialect { case sqlite, postgres }

    static func statements(for dialect: Dialect) -> [String] {
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

    static func keyArguments(_ pending: PendingKey, now: Int64) -> StatementArguments {
        let key = pending.key
        return [pending.id, Data(key.keyData.bytes), Int64(key.rollingStartIntervalNumber.rawValue), Int64(key.rollingPeriod),
                Int64(key.reportType?.rawValue ?? ReportType.confirmedTest.rawValue), key.daysSinceOnsetOfSymptoms.map { (days: Int32) -> Int64 in Int64(days) },
                pending.region, key.day.rawValue, now]
    }

    static func key(data: Data, start: Int64, period: Int64, reportType: Int64, daysSinceOnset: Int64?) -> TemporaryExposureKey? {
        guard let block = Block16(bytes: data), let start = UInt32(exactly: start), let period = UInt32(exactly: period) else { return nil }
        return TemporaryExposureKey(keyData: block, rollingStartIntervalNumber: ENIntervalNumber(rawValue: start), rollingPeriod: period,
                                    reportType: ReportType(rawValue: Int32(clamping: reportType)),
                                    daysSinceOnsetOfSymptoms: daysSinceOnset.map { (days: Int64) -> Int32 in Int32(clamping: days) })
    }
}
