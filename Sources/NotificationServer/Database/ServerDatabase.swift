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

    /// A new number for a case whose earlier ones went unused; the earlier ones stop working. With
    /// `onlyIfExpired`, only when the case's current number expired unused by `now` (else `.notDue`):
    /// the automatic reissue, which several instances run, so a case gets one new number, not one each.
    func reissue(caseID: String, numberHash: Data, now: Int64, expiresAt: Int64, maximumReissues: Int,
                 onlyIfExpired: Bool) async throws(ServerError) -> ReissueResult

    /// Cases whose current number expired unused between `since` and `now` and that may still get
    /// a new one (fewer than `maximumReissues` reissues, never registered): the automatic reissue.
    func casesAwaitingReissue(now: Int64, since: Int64, maximumReissues: Int) async throws(ServerError) -> [String]

    /// Verifies the number and stores the keys in one transaction (see `RegistrationResult`).
    func register(numberHash: Data, idempotencyKey: String, requestDigest: Data, keys: [PendingKey], now: Int64) async throws(ServerError) -> RegistrationResult

    /// Records each of `values` (name → fingerprint) the database does not hold yet, and returns what
    /// it holds for those names afterwards: the caller compares (one set of secrets per database).
    func adoptIdentity(_ values: [String: String]) async throws(ServerError) -> [String: String]

    // MARK: Throttle

    /// Counts an attempt if `limits` allow it (see `AttemptThrottle`), atomically for every instance.
    func admitAttempt(_ attempt: AttemptThrottle.Attempt, limits: AttemptThrottle.Limits) async throws(ServerError) -> AttemptThrottle.Verdict

    /// The attempt `id` did not fail a verification: it stops counting against the global budget.
    func refundAttempt(id: Int64) async throws(ServerError)

    // MARK: Exports (every call that changes them is fenced by the export lease: see `ExportLease`)

    /// Takes or renews the export lease for `seconds` (of the database's clock) unless another holder's
    /// lease is still running.
    func acquireExportLease(holder: String, seconds: Int) async throws(ServerError) -> ExportLease.State

    /// Gives the lease up (another instance may export at once).
    func releaseExportLease(holder: String) async throws(ServerError)

    /// Key days (per region) that hold keys not yet exported whose validity ended at or before `interval`.
    func exportableDays(region: String, endedBy interval: UInt32) async throws(ServerError) -> [ExposureDay]

    /// Opens an export for `region`/`day`: records it as being written, assigns it every exportable
    /// key of that day and stores the padding `padding` draws for them, atomically. Its `created` is
    /// `createdMillis`, or one more than the last one handed out if that is not earlier. Nil when no
    /// key is left.
    func beginExport(region: String, day: ExposureDay, endedBy interval: UInt32, createdMillis: Int64, holder: String,
                     padding: @escaping @Sendable ([TemporaryExposureKey]) -> [TemporaryExposureKey]) async throws(ServerError) -> ExportRecord?

    /// The keys assigned to an export, and its padding.
    func content(ofExport id: Int64) async throws(ServerError) -> ExportContent

    /// Exports begun but not finished (the instance writing them stopped).
    func unfinishedExports() async throws(ServerError) -> [ExportRecord]

    /// Stores the export's file, marks it published and deletes its keys and padding (they now live
    /// only in the file), in one transaction. False when it was published already (by an earlier
    /// holder of the lease): the file given is then dropped, so one version is ever published.
    func publishExport(id: Int64, file: PublishedFile, holder: String) async throws(ServerError) -> Bool

    /// Stores (or replaces) `files` (the lists) when their content changed.
    func storeIndexFiles(_ files: [PublishedFile], holder: String) async throws(ServerError)

    /// Published exports of a region, oldest first.
    func publishedExports(region: String) async throws(ServerError) -> [ExportRecord]

    /// Removes exports created before `millis` and their files, and returns them.
    func removeExports(createdBefore millis: Int64, holder: String) async throws(ServerError) -> [ExportRecord]

    /// A published file by its path under the container ("440/list.json").
    func publishedFile(path: String) async throws(ServerError) -> PublishedFile?

    /// Every published file's path and entity tag (not its bytes).
    func publishedFileTags() async throws(ServerError) -> [String: String]

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
    /// The case's number has not expired (another instance reissued it already).
    case notDue
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

/// What an export's file holds: the registered keys assigned to it and the padding drawn for it.
public struct ExportContent: Sendable, Equatable {
    public var keys: [TemporaryExposureKey]
    public var padding: [TemporaryExposureKey]
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
