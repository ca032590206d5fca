import Crypto
import ExposureNotification
import Foundation
import GRDB

/// Own keys, judged days, processed files and the agent's state records.
extension ContactStore {
    // MARK: - Own TEKs

    /// Stores one of this device's own TEKs, sealed under the hour it starts in (so it is forgotten
    /// 14 days after its day began). Storing a key for a day again replaces it.
    public func saveOwnKey(_ key: TemporaryExposureKey, now: Int64) async throws(StoreError) {
        guard let epoch = Epoch(unixSeconds: key.rollingStartIntervalNumber.unixSeconds), !epoch.isExpired(at: now) else { return }
        try await write { db in
            try self.state.withLock { state in
                try self.ensureKeys(for: [epoch], state: &state, db: db)
                guard let sealingKey = state.keys[epoch] else { throw StoreError.corrupt("no key for \(epoch)") }
                var plaintext = key.keyData.bytes
                withUnsafeBytes(of: key.rollingStartIntervalNumber.rawValue.littleEndian) { plaintext += $0 }
                withUnsafeBytes(of: key.rollingPeriod.littleEndian) { plaintext += $0 }
                let day = key.day.rawValue
                let sealed = try Sealing.seal(plaintext, key: sealingKey, context: Sealing.ownKeyContext(day: day))
                try db.inTransaction {
                    try db.execute(sql: "INSERT OR REPLACE INTO own_key (day, epoch, sealed) VALUES (?, ?, ?)",
                                   arguments: [day, epoch.rawValue, sealed])
                    return .commit
                }
            }
        }
    }

    /// This device's own TEKs still held (at most the last 14 days), oldest first.
    public func ownKeys(now: Int64) async throws(StoreError) -> [TemporaryExposureKey] {
        let keys = state.withLock { $0.keys }
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT day, epoch, sealed FROM own_key ORDER BY day").compactMap { row in
                let day: Int32 = row[0]
                let epoch = Epoch(rawValue: row[1])
                guard !epoch.isExpired(at: now), let key = keys[epoch],
                      let plaintext = Sealing.open(row[2], key: key, context: Sealing.ownKeyContext(day: day)),
                      plaintext.count == 24, let data = Block16(bytes: plaintext.prefix(16)) else { return nil }
                let start = plaintext.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) }
                let period = plaintext.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 20, as: UInt32.self)) }
                return TemporaryExposureKey(keyData: data, rollingStartIntervalNumber: ENIntervalNumber(rawValue: start), rollingPeriod: period)
            }
        }
    }

    /// The own keys that have been on air (started at or before `now`), oldest first: what a positive
    /// registration shares; tomorrow's key, made ahead, is not among them.
    public func ownKeysOnAir(now: Int64) async throws(StoreError) -> [TemporaryExposureKey] {
        try await ownKeys(now: now).filter { Int64($0.rollingStartIntervalNumber.rawValue) * 600 <= now }
    }

    // MARK: - Judged days

    /// Padding floor of a judged day's record.
    static let contactDayBytes = 256

    /// Stores judged days, keeping when each was notified. Sealed, padded, under the day's first
    /// hour; every day kept has a row (an empty judgement where nothing matched), so the rows do not
    /// tell which days had contacts.
    public func saveContactDays(_ records: [ContactDayRecord], now: Int64) async throws(StoreError) {
        try await write { db in
            try self.state.withLock { state in
                let days = Self.keptDays(now: now)
                try self.ensureKeys(for: Set(days.map(\.epoch)), state: &state, db: db)
                let given = Dictionary(records.map { ($0.day, $0) }, uniquingKeysWith: { $1 })
                let held = Set(try Int32.fetchAll(db, sql: "SELECT day FROM contact_day"))
                let encoder = JSONEncoder()
                try db.inTransaction {
                    for (day, epoch) in days where given[day] != nil || !held.contains(day.rawValue) {
                        guard let key = state.keys[epoch] else { throw StoreError.corrupt("no key for \(epoch)") }
                        let record = given[day] ?? ContactDayRecord(day: day, isContactDay: false, score: 0, seconds: 0, windows: 0)
                        let plaintext = DayPadding.pad(Array(try encoder.encode(record)), minimumBytes: Self.contactDayBytes)
                        let sealed = try Sealing.seal(plaintext, key: key, context: Sealing.contactDayContext(day: day.rawValue))
                        try db.execute(sql: "INSERT OR REPLACE INTO contact_day (day, epoch, sealed) VALUES (?, ?, ?)",
                                       arguments: [day.rawValue, epoch.rawValue, sealed])
                    }
                    return .commit
                }
            }
        }
    }

    /// The judged days still held (days where something matched, or that were notified), oldest first.
    public func contactDays(now: Int64) async throws(StoreError) -> [ContactDayRecord] {
        let keys = state.withLock { $0.keys }
        return try await read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: "SELECT day, epoch, sealed FROM contact_day ORDER BY day").compactMap { row in
                let day: Int32 = row[0]
                let epoch = Epoch(rawValue: row[1])
                guard !epoch.isExpired(at: now), let key = keys[epoch],
                      let plaintext = Sealing.open(row[2], key: key, context: Sealing.contactDayContext(day: day)),
                      let json = DayPadding.unpad(plaintext),
                      let record = try? decoder.decode(ContactDayRecord.self, from: Data(json)) else { return nil }
                return record.windows > 0 || record.isContactDay || record.notifiedAt != nil ? record : nil
            }
        }
    }

    // MARK: - Processed key files

    /// Remembers files as matched, so they are never matched twice.
    public func recordProcessed(_ digests: [FileDigest], now: Int64) async throws(StoreError) {
        guard !digests.isEmpty else { return }
        try await write { db in
            try db.inTransaction {
                for digest in digests {
                    try db.execute(sql: "INSERT OR REPLACE INTO processed_file (digest, processed_at) VALUES (?, ?)",
                                   arguments: [Data(digest.bytes), now])
                }
                return .commit
            }
        }
    }

    public func processedFiles() async throws(StoreError) -> Set<FileDigest> {
        try await read { db in
            Set(try Data.fetchAll(db, sql: "SELECT digest FROM processed_file").compactMap { FileDigest(bytes: [UInt8]($0)) })
        }
    }

    // MARK: - Agent state (consent, registration, download progress)

    public func consent() async throws(StoreError) -> ConsentRecord? { try await stateRecord(named: "consent") }
    public func saveConsent(_ record: ConsentRecord) async throws(StoreError) { try await saveStateRecord(record, named: "consent") }
    public func registration() async throws(StoreError) -> RegistrationRecord? { try await stateRecord(named: "registration") }
    public func saveRegistration(_ record: RegistrationRecord) async throws(StoreError) { try await saveStateRecord(record, named: "registration") }
    public func downloadState(source: String) async throws(StoreError) -> DownloadState? { try await stateRecord(named: "download:\(source)") }
    public func saveDownloadState(_ record: DownloadState, source: String) async throws(StoreError) {
        try await saveStateRecord(record, named: "download:\(source)")
    }

    func saveStateRecord<Record: Codable & Sendable>(_ record: Record, named name: String) async throws(StoreError) {
        guard let key = state.withLock({ $0.stateKey }) else { throw .wiped }
        let plaintext: [UInt8]
        do { plaintext = Array(try JSONEncoder().encode(record)) } catch { throw .io("encoding \(name): \(error)") }
        let sealed = try Sealing.seal(plaintext, key: key, context: Sealing.stateContext(name))
        try await write { db in
            try db.inTransaction {
                try db.execute(sql: "INSERT OR REPLACE INTO agent_state (name, sealed) VALUES (?, ?)", arguments: [name, sealed])
                return .commit
            }
        }
    }

    func stateRecord<Record: Codable & Sendable>(named name: String) async throws(StoreError) -> Record? {
        guard let key = state.withLock({ $0.stateKey }) else { throw .wiped }
        let sealed = try await read { db in try Data.fetchOne(db, sql: "SELECT sealed FROM agent_state WHERE name = ?", arguments: [name]) }
        guard let sealed else { return nil }
        guard let plaintext = Sealing.open(sealed, key: key, context: Sealing.stateContext(name)),
              let record = try? JSONDecoder().decode(Record.self, from: plaintext) else {
            throw .corrupt("the \(name) record does not open with this store's key")
        }
        return record
    }
}
