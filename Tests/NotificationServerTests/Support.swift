import Crypto
import ExposureNotification
import Foundation
import Logging
import PostgresNIO
@testable import NotificationServer
import TestSupport

/// The back-ends every database test runs against: SQLite always; PostgreSQL when
/// $BLEAGENT_TEST_POSTGRES names a server (CI starts one and sets it; there it must be present).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["BLEAGENT_TEST_POSTGRES"] }

    static var available: [Backend] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// A fresh, empty database of this kind (PostgreSQL: the tables are emptied first; the suites
    /// that use it are serialized).
    func open(in directory: TemporaryDirectory) async throws -> any ServerDatabase {
        switch self {
        case .sqlite:
            let database = try SQLiteServerDatabase(path: "\(directory.path)/server.sqlite")
            try await database.prepare()
            return database
        case .postgres:
            // A database of its own per test: suites run in parallel.
            guard let url = Self.postgresURL, var components = URLComponents(string: url) else {
                throw ServerError.configuration("BLEAGENT_TEST_POSTGRES is not set")
            }
            let name = "bleagent_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try PostgresServerDatabase(url: url, logger: Logger(label: "test"))
            do {
                try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: admin.logger)
            } catch {
                await admin.close()
                throw ServerError.database(String(reflecting: error))
            }
            await admin.close()
            components.path = "/" + name
            let database = try PostgresServerDatabase(url: components.string ?? url, logger: Logger(label: "test"))
            try await database.prepare()
            return database
        }
    }

    /// A second connection to the database `open` made (another instance on the same database).
    func open(again database: any ServerDatabase) async throws -> any ServerDatabase {
        let other: any ServerDatabase
        if let sqlite = database as? SQLiteServerDatabase {
            other = try SQLiteServerDatabase(path: sqlite.path)
        } else if let postgres = database as? PostgresServerDatabase {
            other = PostgresServerDatabase(settings: postgres.settings, logger: Logger(label: "test"))
        } else {
            throw ServerError.configuration("unknown back-end")
        }
        try await other.prepare()
        return other
    }
}

import Testing

@Suite struct BackendAvailability {
    /// In CI the PostgreSQL run is not optional: a missing server must fail, not skip.
    @Test func postgresIsThereInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(Backend.postgresURL != nil, "CI must start PostgreSQL and set BLEAGENT_TEST_POSTGRES (scripts/test.sh does)")
        }
    }
}

func key(day: ExposureDay, seed: UInt64, period: UInt32 = 144) -> TemporaryExposureKey {
    TemporaryExposureKey(keyData: Block16(lo: seed &* 0x9E37_79B9_7F4A_7C15, hi: ~seed), rollingStartIntervalNumber: day.firstInterval ?? ENIntervalNumber(rawValue: 0),
                         rollingPeriod: period)
}

func submission(number: String, keys: [TemporaryExposureKey], onset: ExposureDay, idempotencyKey: String = UUID().uuidString,
                regions: [String] = ["440"]) -> DiagnosisSubmission {
    DiagnosisSubmission(hasSymptom: true, onsetOfSymptomOrTestDate: DiagnosisSubmission.onsetText(day: onset.iso8601, offsetSeconds: 9 * 3600),
                        keys: keys.map { DiagnosisSubmission.Key(keyData: Data($0.keyData.bytes).base64EncodedString(),
                                                                 rollingStartNumber: $0.rollingStartIntervalNumber.rawValue,
                                                                 rollingPeriod: $0.rollingPeriod, reportType: 1) },
                        regions: regions, verificationPayload: number, idempotencyKey: idempotencyKey, padding: "AAAA")
}
