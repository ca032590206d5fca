import Crypto
import ExposureNotification
import Foundation

/// What the notification server keeps: cases and the keyed hashes of their processing numbers,
/// positive keys waiting for an export, and the exports published. Two back-ends implement it with
/// the same SQL semantics: SQLite (GRDB, the embedded default) and PostgreSQL (postgres-nio), and
/// one test suite runs against both. Every operation that must be atomic is one transaction.
public protocol ServerDatabase: Sendable {
    /// Creates or upgrades the tables.
    func prepare() async throws(ServerError)

    /// Closes connections (the object is unusable afterwards).
    func close() async

    /// A cheap query (`SELECT 1`): the database answers. The watchdog pets only while it does.
    func ping() async throws(ServerError)

    /// A new case with its first number. False when the number's hash already exists (draw again).
    func createCase(id: String, numberHash: Data, now: Int64, expiresAt: Int64) async throws(ServerError) -> Bool

    /// A new number for a case whose earlier ones went unused; the earlier ones stop working.
    func reissue(caseID: String, numberHash: Data, now: Int64, expiresAt: Int64, maximumReissues: Int) async throws(ServerError) -> ReissueResult

    /// Cases whose current number expired unused between `since` and `now` and that may still get
    /// a new one (fewer than `maximumReissues` reissues, never registered): the automatic reissue.
    func casesAwaitingReissue(now: Int64, since: Int64, maximumReissues: Int) async throws(ServerError) -> [String]

    /// Verifies the number and stores the keys in one transaction (see `RegistrationResult`).
    func register(numberHash: Data, idempotencyKey: String, requestDigest: Data, keys: [PendingKey], now: Int64) async throws(ServerError) -> RegistrationResult

    /// Key days (per region) that hold keys not yet exported whose validity ended at or before `interval`.
    func exportableDays(region: String, endedBy interval: UInt32) async throws(ServerError) -> [ExposureDay]

    /// Opens an export for `region`/`day`: records it as being written and assigns it every
    /// exportable key of that day, atomically. Nil when no key is left.
    func beginExport(region: String, day: ExposureDay, endedBy interval: UInt32, createdMillis: Int64) async throws(ServerError) -> ExportRecord?

    /// The keys assigned to an export.
    func keys(ofExport id: Int64) async throws(ServerError) -> [TemporaryExposureKey]

    /// Exports begun but not finished (the server stopped while writing them).
    func unfinishedExports() async throws(ServerError) -> [ExportRecord]

    /// Marks the export published and deletes its keys (they now live only in the file).
    func finishExport(id: Int64) async throws(ServerError)

    /// Published exports of a region, oldest first.
    func publishedExports(region: String) async throws(ServerError) -> [ExportRecord]

    /// Removes exports created before `millis` (their files are the caller's to delete) and returns them.
    func removeExports(createdBefore millis: Int64) async throws(ServerError) -> [ExportRecord]

    /// Forgets number records past their expiry grace, and keys whose day is older than `day`.
    func purge(numbersExpiredBefore seconds: Int64, keysBefore day: ExposureDay) async throws(ServerError)

    func statistics() async throws(ServerError) -> ServerStatistics
}

/// A validated key waiting for an export.
public struct PendingKey: Sendable, Equatable {
    /// sha256(idempotency key, key, start, period): a retried request stores nothing twice.
    public var id: Data
    public var key: TemporaryExposureKey
    public var region: String
}

extension PendingKey {
    /// The key as a request with `idempotencyKey` registered it (its id derived as COCOA's server keys its rows).
    public init(_ key: TemporaryExposureKey, region: String, idempotencyKey: String) {
        var hash = SHA256()
        hash.update(data: Data(idempotencyKey.utf8))
        hash.update(data: Data(key.keyData.bytes))
        withUnsafeBytes(of: key.rollingStartIntervalNumber.rawValue.bigEndian) { hash.update(bufferPointer: $0) }
        withUnsafeBytes(of: key.rollingPeriod.bigEndian) { hash.update(bufferPointer: $0) }
        self.init(id: Data(hash.finalize()), key: key, region: region)
    }
}

public enum RegistrationResult: Sendable, Equatable {
    /// The keys were stored (`stored` counts new rows).
    case registered(stored: Int)
    /// The same request (idempotency key and content) was registered before: nothing stored again.
    case repeated
    case unknownNumber
    case expiredNumber
    case usedNumber
}

public enum ReissueResult: Sendable, Equatable {
    case issued(reissuesLeft: Int)
    case unknownCase
    case alreadyRegistered
    case limitReached
}

public struct ExportRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var region: String
    public var day: ExposureDay
    public var createdMillis: Int64
    public var keyCount: Int

    /// The file's name in its region's folder.
    public var fileName: String { "\(day.iso8601)-\(id).zip" }
}

public struct ServerStatistics: Sendable, Equatable, Codable {
    public var openCases: Int
    public var registeredCases: Int
    public var pendingKeys: Int
    public var publishedExports: Int
}

/// State of a processing number's record.
enum NumberState: Int64 {
    case active = 0
    case used = 1
    case replaced = 2
}
