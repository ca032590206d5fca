import Crypto
import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// Padding floor of a day's exposure windows (a few windows fit; more take the next power of two).
    static let exposureDayBytes = 4_096

    /// Stores matched exposure windows: one sealed, padded row per day, under the day's first hour.
    /// A window for a key and day already stored replaces it (a file matched again after a crash
    /// adds nothing twice). Every day kept gets a row, empty or not. Returns every window held
    /// afterwards, oldest day first (what `exposureWindows(now:)` would read back).
    @discardableResult
    public func saveExposureWindows(_ windows: [ExposureWindow], now: Int64) async throws(StoreError) -> [ExposureWindow] {
        try await write { db in
            try self.state.withLock { state in
                let days = Self.keptDays(now: now)
                try self.ensureKeys(for: Set(days.map(\.epoch)), state: &state, db: db)
                let keys = state.keys
                var byDay = try Self.exposureDays(db, keys: keys, now: now)
                for window in windows {
                    var held = byDay[window.day] ?? []
                    held.removeAll { $0.keyData == window.keyData }
                    held.append(window)
                    byDay[window.day] = held
                }
                let encoder = JSONEncoder()
                try db.inTransaction {
                    for (day, epoch) in days {
                        guard let key = keys[epoch] else { throw StoreError.corrupt("no key for \(epoch)") }
                        let plaintext = DayPadding.pad(Array(try encoder.encode((byDay[day] ?? []).map(StoredExposureWindow.init))),
                                                       minimumBytes: Self.exposureDayBytes)
                        let sealed = try Sealing.seal(plaintext, key: key, context: Sealing.exposureDayContext(day: day.rawValue))
                        try db.execute(sql: "INSERT OR REPLACE INTO exposure_day (day, epoch, sealed) VALUES (?, ?, ?)",
                                       arguments: [day.rawValue, epoch.rawValue, sealed])
                    }
                    return .commit
                }
                return days.flatMap { byDay[$0.day] ?? [] }
            }
        }
    }

    /// Every exposure window still held, oldest day first.
    public func exposureWindows(now: Int64) async throws(StoreError) -> [ExposureWindow] {
        let keys = state.withLock { $0.keys }
        return try await read { db in
            try Self.exposureDays(db, keys: keys, now: now).sorted { $0.key < $1.key }.flatMap(\.value)
        }
    }

    static func exposureDays(_ db: Database, keys: [Epoch: SymmetricKey], now: Int64) throws -> [ExposureDay: [ExposureWindow]] {
        let decoder = JSONDecoder()
        var days: [ExposureDay: [ExposureWindow]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT day, epoch, sealed FROM exposure_day") {
            let day: Int32 = row[0]
            let epoch = Epoch(rawValue: row[1])
            guard !epoch.isExpired(at: now), let key = keys[epoch],
                  let plaintext = Sealing.open(row[2], key: key, context: Sealing.exposureDayContext(day: day)),
                  let json = DayPadding.unpad(plaintext),
                  let stored = try? decoder.decode([StoredExposureWindow].self, from: Data(json)) else { continue }
            let windows = stored.compactMap(\.window)
            if !windows.isEmpty { days[ExposureDay(rawValue: day)] = windows }
        }
        return days
    }

    /// The days a store keeps at `now` (up to today), each with the hour its day records are sealed
    /// under (its first, while that is kept).
    static func keptDays(now: Int64) -> [(day: ExposureDay, epoch: Epoch)] {
        guard let today = Epoch(unixSeconds: now)?.day else { return [] }
        return (0...ContactJudgement.retentionDays).reversed().compactMap { back in
            let day = today.adding(days: -Int32(back))
            guard let epoch = Epoch(unixSeconds: day.unixSeconds), !epoch.isExpired(at: now) else { return nil }
            return (day, epoch)
        }
    }
}
