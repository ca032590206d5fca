import Crypto
import ExposureNotification
import Foundation
import GRDB

extension ContactStore {
    /// Stores matched exposure windows, sealed under their day's first hour. A window for a key and
    /// day already stored replaces it (a file matched again after a crash adds nothing twice).
    public func saveExposureWindows(_ windows: [ExposureWindow], now: Int64) async throws(StoreError) {
        let dated = windows.compactMap { window in Epoch(unixSeconds: window.day.unixSeconds).map { (window, $0) } }
            .filter { !$0.1.isExpired(at: now) }
        guard !dated.isEmpty else { return }
        try await write { db in
            try self.state.withLock { state in
                try self.ensureKeys(for: Set(dated.map(\.1)), state: &state)
                let keys = state.keys
                let existing = try Self.windows(db, keys: keys, now: now)
                let replaced = Set(dated.map { "\($0.0.keyData)/\($0.0.day.rawValue)" })
                let encoder = JSONEncoder()
                try db.inTransaction {
                    for (id, window) in existing where replaced.contains("\(window.keyData)/\(window.day.rawValue)") {
                        try db.execute(sql: "DELETE FROM exposure_window WHERE id = ?", arguments: [id])
                    }
                    for (window, epoch) in dated {
                        guard let key = keys[epoch] else { throw StoreError.corrupt("no key for \(epoch)") }
                        let sealed = try Sealing.seal(Array(try encoder.encode(StoredExposureWindow(window))), key: key,
                                                      context: Sealing.exposureWindowContext(day: window.day.rawValue))
                        try db.execute(sql: "INSERT INTO exposure_window (day, epoch, sealed) VALUES (?, ?, ?)",
                                       arguments: [window.day.rawValue, epoch.rawValue, sealed])
                    }
                    return .commit
                }
            }
        }
    }

    /// Every exposure window still held, oldest day first.
    public func exposureWindows(now: Int64) async throws(StoreError) -> [ExposureWindow] {
        let keys = state.withLock { $0.keys }
        return try await read { db in try Self.windows(db, keys: keys, now: now).map(\.1) }
    }

    static func windows(_ db: Database, keys: [Epoch: SymmetricKey], now: Int64) throws -> [(Int64, ExposureWindow)] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(db, sql: "SELECT id, day, epoch, sealed FROM exposure_window ORDER BY day, id").compactMap { row in
            let day: Int32 = row[1]
            let epoch = Epoch(rawValue: row[2])
            guard !epoch.isExpired(at: now), let key = keys[epoch],
                  let plaintext = Sealing.open(row[3], key: key, context: Sealing.exposureWindowContext(day: day)),
                  let window = try? decoder.decode(StoredExposureWindow.self, from: plaintext).window else { return nil }
            return (row[0], window)
        }
    }
}
