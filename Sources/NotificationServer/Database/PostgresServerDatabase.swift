import ExposureNotification
import Foundation
import Logging
import PostgresNIO

/// PostgreSQL back-end, for a deployment that grows past one machine: several server processes
/// share one database (registrations lock the number's row, `SELECT … FOR UPDATE`; exports claim
/// their keys in one transaction). The connection pool runs from `init` until `close()`.
public final class PostgresServerDatabase: ServerDatabase {
    let client: PostgresClient
    let logger: Logger
    let description: String
    /// How it connects (another connection to the same database: `init(settings:logger:)` again).
    public let settings: PostgresSettings
    private let runner: Task<Void, Never>

    /// `postgres://user:password@host:port/database`, TLS off, no probe (see `PostgresSettings` for the rest).
    public convenience init(url: String, logger: Logger) throws(ServerError) {
        let endpoint = try PostgresEndpoint(url: url)
        self.init(settings: try PostgresSettings(endpoint: endpoint, password: endpoint.password), logger: logger)
    }

    /// The pool for `settings`. Its background logger says errors only: while the server is down the
    /// pool retries, each failed attempt an info line, and its one warning is that a query came before
    /// `run()` began, which this init's task races harmlessly. Failures reach the log through our queries.
    public init(settings: PostgresSettings, logger: Logger) {
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: settings.clientConfiguration(), backgroundLogger: background)
        self.client = client
        self.logger = logger
        description = settings.endpoint.place
        self.settings = settings
        runner = Task { await client.run() }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    private func failure(_ error: any Error) -> ServerError {
        if let error = error as? ServerError { return error }
        if let error = error as? PSQLError {
            let detail = error.serverInfo?[.message] ?? "\(error.code)"
            return .database("\(description): \(detail)")
        }
        return .database("\(description): \(String(reflecting: error))")
    }

    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(ServerError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw failure(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        } catch {
            throw failure(error)
        }
    }

    func rows<each Column: PostgresDecodable & Sendable>(_ query: PostgresQuery, as types: (repeat each Column).Type) async throws(ServerError) -> [(repeat each Column)] {
        do {
            var out: [(repeat each Column)] = []
            for try await row in try await client.query(query, logger: logger).decode((repeat each Column).self) { out.append(row) }
            return out
        } catch {
            throw failure(error)
        }
    }

    public func prepare() async throws(ServerError) {
        try await transaction { connection in
            // One server at a time creates the tables.
            try await connection.execute("SELECT pg_advisory_xact_lock(4401)", logger: logger)
            for statement in ServerSchema.statements(for: .postgres) {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    public func createCase(id: String, numberHash: Data, now: Int64, expiresAt: Int64) async throws(ServerError) -> Bool {
        try await transaction { connection in
            let inserted = try await connection.count("""
                INSERT INTO processing_numbers (hash, case_id, issued_at, expires_at, state) VALUES (\(numberHash), \(id), \(now), \(expiresAt), 0)
                ON CONFLICT (hash) DO NOTHING RETURNING 1
                """, logger: logger)
            guard inserted == 1 else { return false }
            try await connection.execute("INSERT INTO cases (id, numbers_issued, created_at) VALUES (\(id), 1, \(now))", logger: logger)
            return true
        }
    }

    public func reissue(caseID: String, numberHash: Data, now: Int64, expiresAt: Int64, maximumReissues: Int,
                        onlyIfExpired: Bool) async throws(ServerError) -> ReissueResult {
        try await transaction { connection in
            let found = try await connection.all("SELECT numbers_issued, registered_at FROM cases WHERE id = \(caseID) FOR UPDATE",
                                                 as: (Int, Int64?).self, logger: logger)
            guard let (issued, registeredAt) = found.first else { return .unknownCase }
            if registeredAt != nil { return .alreadyRegistered }
            guard issued - 1 < maximumReissues else { return .limitReached }
            let replaced = try await connection.count("""
                UPDATE processing_numbers SET state = 2 WHERE case_id = \(caseID) AND state = 0 AND (\(!onlyIfExpired) OR expires_at <= \(now)) RETURNING 1
                """, logger: logger)
            // The case's row is locked (FOR UPDATE): an instance that finds no expired number here was beaten to it.
            if onlyIfExpired && replaced == 0 { return .notDue }
            let inserted = try await connection.count("""
                INSERT INTO processing_numbers (hash, case_id, issued_at, expires_at, state) VALUES (\(numberHash), \(caseID), \(now), \(expiresAt), 0)
                ON CONFLICT (hash) DO NOTHING RETURNING 1
                """, logger: logger)
            guard inserted == 1 else { throw ServerError.database("number collision: draw again") }
            try await connection.execute("UPDATE cases SET numbers_issued = numbers_issued + 1 WHERE id = \(caseID)", logger: logger)
            return .issued(reissuesLeft: maximumReissues - issued)
        }
    }

    public func casesAwaitingReissue(now: Int64, since: Int64, maximumReissues: Int) async throws(ServerError) -> [String] {
        try await rows("""
            SELECT DISTINCT cases.id FROM cases JOIN processing_numbers ON processing_numbers.case_id = cases.id
            WHERE cases.registered_at IS NULL AND cases.numbers_issued - 1 < \(maximumReissues) AND processing_numbers.state = 0
              AND processing_numbers.expires_at <= \(now) AND processing_numbers.expires_at > \(since) ORDER BY cases.id
            """, as: String.self)
    }

    public func register(numberHash: Data, idempotencyKey: String, requestDigest: Data, keys: [PendingKey], now: Int64) async throws(ServerError) -> RegistrationResult {
        try await transaction { connection in
            let found = try await connection.all("""
                SELECT case_id, expires_at, state, idempotency_key, request_digest FROM processing_numbers WHERE hash = \(numberHash) FOR UPDATE
                """, as: (String, Int64, Int, String?, Data?).self, logger: logger)
            guard let (caseID, expiresAt, rawState, storedKey, storedDigest) = found.first else { return .unknownNumber }
            switch NumberState(rawValue: Int64(rawState)) ?? .used {
            case .used: return storedKey == idempotencyKey && storedDigest == requestDigest ? .repeated : .usedNumber
            case .replaced: return .expiredNumber
            case .active: guard expiresAt > now else { return .expiredNumber }
            }
            var stored = 0
            for pending in keys {
                let key = pending.key
                let data = Data(key.keyData.bytes)
                let start = Int64(key.rollingStartIntervalNumber.rawValue), period = Int(key.rollingPeriod)
                let reportType = Int(key.reportType?.rawValue ?? ReportType.confirmedTest.rawValue)
                let daysSinceOnset: Int? = key.daysSinceOnsetOfSymptoms.map { (days: Int32) -> Int in Int(days) }
                let day = Int(key.day.rawValue)
                stored += try await connection.count("""
                    INSERT INTO diagnosis_keys (id, key_data, rolling_start, rolling_period, report_type, days_since_onset, region, day, received_at)
                    VALUES (\(pending.id), \(data), \(start), \(period), \(reportType), \(daysSinceOnset), \(pending.region), \(day), \(now))
                    ON CONFLICT (id) DO NOTHING RETURNING 1
                    """, logger: logger)
            }
            try await connection.execute("""
                UPDATE processing_numbers SET state = 1, idempotency_key = \(idempotencyKey), request_digest = \(requestDigest), used_at = \(now)
                WHERE hash = \(numberHash)
                """, logger: logger)
            try await connection.execute("UPDATE cases SET registered_at = \(now) WHERE id = \(caseID)", logger: logger)
            return .registered(stored: stored)
        }
    }

    public func purge(numbersExpiredBefore seconds: Int64, keysBefore day: ExposureDay) async throws(ServerError) {
        let dayNumber = Int(day.rawValue)
        try await transaction { connection in
            try await connection.execute("DELETE FROM processing_numbers WHERE expires_at < \(seconds)", logger: logger)
            try await connection.execute("DELETE FROM diagnosis_keys WHERE day < \(dayNumber) AND export_id IS NULL", logger: logger)
            try await connection.execute("""
                DELETE FROM cases WHERE created_at < \(seconds) AND NOT EXISTS (SELECT 1 FROM processing_numbers WHERE case_id = cases.id)
                """, logger: logger)
        }
    }

    public func statistics() async throws(ServerError) -> ServerStatistics {
        let counts = try await rows("""
            SELECT (SELECT COUNT(*) FROM cases WHERE registered_at IS NULL), (SELECT COUNT(*) FROM cases WHERE registered_at IS NOT NULL),
                   (SELECT COUNT(*) FROM diagnosis_keys), (SELECT COUNT(*) FROM exports WHERE published = 1)
            """, as: (Int, Int, Int, Int).self)
        guard let (open, registered, pending, published) = counts.first else { throw ServerError.database("statistics returned no row") }
        return ServerStatistics(openCases: open, registeredCases: registered, pendingKeys: pending, publishedExports: published)
    }

    func exports(_ query: PostgresQuery) async throws(ServerError) -> [ExportRecord] {
        try await rows(query, as: (Int64, String, Int, Int64, Int).self).map { id, region, day, created, count in
            ExportRecord(id: id, region: region, day: ExposureDay(rawValue: Int32(clamping: day)), createdMillis: created, keyCount: count)
        }
    }
}

extension PostgresConnection {
    /// All rows of `query`, decoded.
    func all<each Column: PostgresDecodable & Sendable>(_ query: PostgresQuery, as types: (repeat each Column).Type, logger: Logger) async throws -> [(repeat each Column)] {
        var out: [(repeat each Column)] = []
        let rows: PostgresRowSequence = try await self.query(query, logger: logger)
        for try await row in rows.decode((repeat each Column).self) { out.append(row) }
        return out
    }

    /// Runs a statement whose rows (if any) do not matter.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        let rows: PostgresRowSequence = try await self.query(query, logger: logger)
        _ = try await rows.collect()
    }

    /// How many rows `query` returned (for INSERT … RETURNING 1).
    func count(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        let rows: PostgresRowSequence = try await self.query(query, logger: logger)
        return try await rows.collect().count
    }
}
