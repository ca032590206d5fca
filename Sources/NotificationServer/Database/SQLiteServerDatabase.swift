import Durability
import ExposureNotification
import Foundation
import GRDB

/// The embedded default: one SQLite file (WAL, `synchronous = FULL` on the writer, set and checked by
/// `DurableDatabase`: an acknowledged registration survives a power cut; `secure_delete`: deleted keys
/// and numbers leave no bytes behind).
public final class SQLiteServerDatabase: ServerDatabase {
    let pool: DatabasePool
    let path: String

    public init(path: String) throws(ServerError) {
        self.path = path
        var configuration = GRDB.Configuration()
        configuration.label = "bleagent-server"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            pool = try DurableDatabase.openPool(path: path, configuration: configuration)
        } catch {
            throw .database("cannot open \(path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(ServerError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as ServerError {
            throw error
        } catch {
            throw .database("\(path): \(Self.describe(error))")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(ServerError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw .database("\(path): \(Self.describe(error))")
        }
    }

    public func close() async {
        try? pool.close()
    }

    public func prepare() async throws(ServerError) {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in ServerSchema.firstStatements(for: .sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v2") { db in
            for statement in ServerSchema.scaleOutStatements(for: .sqlite) { try db.execute(sql: statement) }
        }
        do {
            try migrator.migrate(pool)
        } catch {
            throw .database("\(path): cannot create the tables: \(Self.describe(error))")
        }
    }

    public func createCase(id: String, numberHash: Data, now: Int64, expiresAt: Int64) async throws(ServerError) -> Bool {
        try await write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM processing_numbers WHERE hash = ?", arguments: [numberHash]) != nil { return false }
            try db.execute(sql: "INSERT INTO cases (id, numbers_issued, created_at) VALUES (?, 1, ?)", arguments: [id, now])
            try db.execute(sql: "INSERT INTO processing_numbers (hash, case_id, issued_at, expires_at, state) VALUES (?, ?, ?, ?, 0)",
                           arguments: [numberHash, id, now, expiresAt])
            return true
        }
    }

    public func reissue(caseID: String, numberHash: Data, now: Int64, expiresAt: Int64, maximumReissues: Int,
                        onlyIfExpired: Bool) async throws(ServerError) -> ReissueResult {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT numbers_issued, registered_at FROM cases WHERE id = ?", arguments: [caseID]) else {
                return .unknownCase
            }
            if (row["registered_at"] as Int64?) != nil { return .alreadyRegistered }
            let issued: Int = row["numbers_issued"]
            guard issued - 1 < maximumReissues else { return .limitReached }
            if onlyIfExpired, try Row.fetchOne(db, sql: "SELECT 1 FROM processing_numbers WHERE case_id = ? AND state = 0 AND expires_at <= ?",
                                                arguments: [caseID, now]) == nil {
                return .notDue
            }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM processing_numbers WHERE hash = ?", arguments: [numberHash]) != nil {
                throw ServerError.database("number collision: draw again")
            }
            try db.execute(sql: "UPDATE processing_numbers SET state = 2 WHERE case_id = ? AND state = 0", arguments: [caseID])
            try db.execute(sql: "INSERT INTO processing_numbers (hash, case_id, issued_at, expires_at, state) VALUES (?, ?, ?, ?, 0)",
                           arguments: [numberHash, caseID, now, expiresAt])
            try db.execute(sql: "UPDATE cases SET numbers_issued = numbers_issued + 1 WHERE id = ?", arguments: [caseID])
            return .issued(reissuesLeft: maximumReissues - issued)
        }
    }

    public func casesAwaitingReissue(now: Int64, since: Int64, maximumReissues: Int) async throws(ServerError) -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT cases.id FROM cases JOIN processing_numbers ON processing_numbers.case_id = cases.id
                WHERE cases.registered_at IS NULL AND cases.numbers_issued - 1 < ? AND processing_numbers.state = 0
                  AND processing_numbers.expires_at <= ? AND processing_numbers.expires_at > ? ORDER BY cases.id
                """, arguments: [maximumReissues, now, since])
        }
    }

    public func register(numberHash: Data, idempotencyKey: String, requestDigest: Data, keys: [PendingKey], now: Int64) async throws(ServerError) -> RegistrationResult {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT case_id, expires_at, state, idempotency_key, request_digest FROM processing_numbers WHERE hash = ?
                """, arguments: [numberHash]) else { return .unknownNumber }
            let state = NumberState(rawValue: row["state"]) ?? .used
            switch state {
            case .used:
                let sameRequest = (row["idempotency_key"] as String?) == idempotencyKey && (row["request_digest"] as Data?) == requestDigest
                return sameRequest ? .repeated : .usedNumber
            case .replaced:
                return .expiredNumber
            case .active:
                guard (row["expires_at"] as Int64) > now else { return .expiredNumber }
            }
            var stored = 0
            for pending in keys {
                try db.execute(sql: """
                    INSERT INTO diagnosis_keys (id, key_data, rolling_start, rolling_period, report_type, days_since_onset, region, day, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """, arguments: ServerSchema.keyArguments(pending, now: now))
                stored += db.changesCount
            }
            try db.execute(sql: "UPDATE processing_numbers SET state = 1, idempotency_key = ?, request_digest = ?, used_at = ? WHERE hash = ?",
                           arguments: [idempotencyKey, requestDigest, now, numberHash])
            try db.execute(sql: "UPDATE cases SET registered_at = ? WHERE id = ?", arguments: [now, row["case_id"] as String])
            return .registered(stored: stored)
        }
    }

    public func purge(numbersExpiredBefore seconds: Int64, keysBefore day: ExposureDay) async throws(ServerError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM processing_numbers WHERE expires_at < ?", arguments: [seconds])
            try db.execute(sql: "DELETE FROM diagnosis_keys WHERE day < ? AND export_id IS NULL", arguments: [day.rawValue])
            try db.execute(sql: "DELETE FROM cases WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM processing_numbers WHERE case_id = cases.id)",
                           arguments: [seconds])
        }
    }

    public func statistics() async throws(ServerError) -> ServerStatistics {
        try await read { db in
            ServerStatistics(
                openCases: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE registered_at IS NULL") ?? 0,
                registeredCases: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE registered_at IS NOT NULL") ?? 0,
                pendingKeys: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM diagnosis_keys") ?? 0,
                publishedExports: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exports WHERE published = 1") ?? 0)
        }
    }

    static func exports(_ db: Database, where condition: String, arguments: StatementArguments) throws -> [ExportRecord] {
        try Row.fetchAll(db, sql: "SELECT id, region, day, created_ms, key_count FROM exports WHERE \(condition) ORDER BY created_ms, id",
                         arguments: arguments).map { row in
            ExportRecord(id: row["id"], region: row["region"], day: ExposureDay(rawValue: row["day"]),
                         createdMillis: row["created_ms"], keyCount: row["key_count"])
        }
    }
}
