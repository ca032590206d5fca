import Crypto
import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// What a `record` call did with its sightings.
    public struct IngestResult: Hashable, Sendable {
        public var stored = 0
        /// New RPIs beyond the day's cap (a flood of random beacons): not stored, counted per day.
        public var droppedByCap = 0
        /// Sightings stamped outside what the store keeps (older than 14 days, or more than a day
        /// ahead of `now`: a clock that jumped): not stored.
        public var rejectedTime = 0

        public init() {}
    }

    /// Stores one batch of sightings (one per RPI per scan instance) in one transaction. Returns
    /// when the batch is durable. On `diskFull` nothing of the batch is stored, and the store keeps
    /// working once space returns.
    public func record(_ sightings: [Sighting], now: Int64) async throws(StoreError) -> IngestResult {
        let cap = configuration.rpiCapPerDay
        return try await write { db in
            try self.state.withLock { state -> IngestResult in
                var result = IngestResult()
                var byEpoch: [Epoch: [Sighting]] = [:]
                var newRPIs: [ExposureDay: Set<Block16>] = [:]
                var newPerEpoch: [Epoch: Int] = [:]
                var droppedPerEpoch: [Epoch: (Int, Int64)] = [:]
                for sighting in sightings {
                    guard let epoch = Epoch(unixSeconds: sighting.time), !epoch.isExpired(at: now) else {
                        result.rejectedTime += 1
                        continue
                    }
                    let day = sighting.day
                    if state.rpisByDay[day] == nil { state.rpisByDay[day] = try self.loadRPIs(of: day, db: db, keys: state.keys) }
                    let rpi = sighting.rpi.value
                    let known = state.rpisByDay[day]?.contains(rpi) == true || newRPIs[day]?.contains(rpi) == true
                    if !known {
                        let count = (state.rpisByDay[day]?.count ?? 0) + (newRPIs[day]?.count ?? 0)
                        guard count < cap else {
                            result.droppedByCap += 1
                            droppedPerEpoch[epoch, default: (0, sighting.time)].0 += 1
                            continue
                        }
                        newRPIs[day, default: []].insert(rpi)
                        newPerEpoch[epoch, default: 0] += 1
                    }
                    byEpoch[epoch, default: []].append(sighting)
                    result.stored += 1
                }
                // New hour keys reach the disk before any record sealed with them is committed.
                try self.ensureKeys(for: Set(byEpoch.keys), state: &state, db: db)
                do {
                    try db.inTransaction {
                        for (epoch, batch) in byEpoch {
                            guard let key = state.keys[epoch] else { throw StoreError.corrupt("no key for \(epoch)") }
                            var plaintext: [UInt8] = []
                            plaintext.reserveCapacity(batch.count * SightingRecord.bytes)
                            for sighting in batch { SightingRecord.append(sighting, to: &plaintext) }
                            let sealed = try Sealing.seal(plaintext, key: key, context: Sealing.sightingContext(epoch, count: batch.count))
                            try db.execute(sql: "INSERT INTO sighting_chunk (epoch, count, sealed) VALUES (?, ?, ?)",
                                           arguments: [epoch.rawValue, batch.count, sealed])
                            try Self.addStats(db, day: epoch.day, sightings: batch.count, newRPIs: newPerEpoch[epoch] ?? 0, dropped: 0)
                        }
                        for (epoch, (dropped, _)) in droppedPerEpoch {
                            try Self.addStats(db, day: epoch.day, sightings: 0, newRPIs: 0, dropped: dropped)
                        }
                        return .commit
                    }
                } catch {
                    throw Self.mapError(error, directory: self.directory)
                }
                // Only a committed batch changes what the cap counts.
                for (day, rpis) in newRPIs { state.rpisByDay[day, default: []].formUnion(rpis) }
                // Days long past are not written to any more; their sets are rebuilt if they are.
                if let today = Epoch(unixSeconds: now)?.day {
                    state.rpisByDay = state.rpisByDay.filter { $0.key >= today.adding(days: -1) }
                }
                return result
            }
        }
    }

    /// Adds to `day`'s clear counts (no time of day: see StoreSchema's v5).
    static func addStats(_ db: Database, day: ExposureDay, sightings: Int, newRPIs: Int, dropped: Int) throws {
        try db.execute(sql: """
            INSERT INTO day_stats (day, sightings, new_rpis, dropped) VALUES (?, ?, ?, ?)
            ON CONFLICT(day) DO UPDATE SET sightings = sightings + excluded.sightings, new_rpis = new_rpis + excluded.new_rpis,
                dropped = dropped + excluded.dropped
            """, arguments: [day.rawValue, sightings, newRPIs, dropped])
    }

    /// Creates and saves keys for the epochs that lack one.
    func ensureKeys(for epochs: Set<Epoch>, state: inout State, db: Database) throws(StoreError) {
        let missing = epochs.filter { state.keys[$0] == nil }
        guard !missing.isEmpty else { return }
        guard let master = state.master else { throw .wiped }
        var contents = state.keyFile
        for epoch in missing { contents.keys[epoch] = SymmetricKey(size: .bits256) }
        try saveKeyFile(&contents, master: master, db: db)
        state.keyFile = contents
        state.keys = contents.keys
    }

    /// The distinct RPIs already stored for `day`.
    func loadRPIs(of day: ExposureDay, db: Database, keys: [Epoch: SymmetricKey]) throws -> Set<Block16> {
        var rpis = Set<Block16>()
        let first = UInt32(clamping: day.unixSeconds / Epoch.seconds)
        try Self.forEachSighting(db, epochs: first...(first + 23), keys: keys) { sighting in rpis.insert(sighting.rpi.value) }
        return rpis
    }

    /// Decrypts the chunks of `epochs` in order and hands each sighting to `body`. Chunks whose key
    /// is gone (expired, or never saved) are skipped. Returns how many chunks were skipped.
    @discardableResult
    static func forEachSighting(_ db: Database, epochs: ClosedRange<UInt32>, keys: [Epoch: SymmetricKey],
                                _ body: (Sighting) -> Void) throws -> Int {
        var unreadable = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT epoch, count, sealed FROM sighting_chunk WHERE epoch BETWEEN ? AND ? ORDER BY epoch, id",
                                       arguments: [epochs.lowerBound, epochs.upperBound])
        while let row = try rows.next() {
            let epoch = Epoch(rawValue: row[0])
            let count: Int = row[1]
            guard let key = keys[epoch] else { unreadable += 1; continue }
            let opened = try row.withUnsafeData(atIndex: 2) { sealed in
                sealed.flatMap { Sealing.open($0, key: key, context: Sealing.sightingContext(epoch, count: count)) }
            }
            guard let plaintext = opened, plaintext.count == count * SightingRecord.bytes else { unreadable += 1; continue }
            plaintext.withUnsafeBytes { raw in
                for index in 0..<count { body(SightingRecord.read(raw, index: index)) }
            }
        }
        return unreadable
    }

    /// Every sighting the store holds at `now`, in one table for the matcher: decrypted chunk by chunk
    /// straight into the table's storage (the table is the only copy).
    public func sightingTable(now: Int64) async throws(StoreError) -> SightingTable {
        let keys = state.withLock { $0.keys }.filter { !$0.key.isExpired(at: now) }
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM sighting_chunk") ?? 0
            var table = SightingTable(minimumCapacity: total)
            try Self.forEachSighting(db, epochs: 0...UInt32.max, keys: keys) { table.append($0) }
            return table
        }
    }
}
