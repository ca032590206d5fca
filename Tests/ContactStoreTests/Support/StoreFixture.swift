@testable import ContactStore
import ExposureNotification
import Foundation
import TestSupport

extension TemporaryDirectory {
    /// The store's state directory inside (not yet created).
    var store: StoreDirectory { StoreDirectory(path: path + "/state") }

    /// Leaves a store here holding `sightings` recorded at noon, closed again (what a restart finds).
    func recordAndClose(_ sightings: Range<UInt64>) async throws {
        let store = try await ContactStore.open(self.store, configuration: Sample.configuration(), now: Sample.noon)
        defer { store.close() }
        _ = try await store.record(Sample.sightings(sightings, time: Sample.noon), now: Sample.noon)
    }
}

enum Sample {
    /// 2026-03-01 12:00 UTC.
    static let noon: Int64 = 1_772_366_400

    static func sighting(_ rpi: UInt64, time: Int64, rssi: Int8 = -60) -> Sighting {
        Sighting(rpi: RollingProximityIdentifier(Block16(lo: rpi &* 0x9E37_79B9_7F4A_7C15, hi: rpi ^ 0xA5A5_5A5A_A5A5_5A5A)),
                 aem: AssociatedEncryptedMetadata(rawValue: UInt32(truncatingIfNeeded: rpi)),
                 time: time, rssiMax: rssi, rssiMean: rssi - 2, secondsSinceLastScan: 240, adapter: 1)
    }

    static func sightings(_ range: Range<UInt64>, time: Int64) -> [Sighting] { range.map { sighting($0, time: time) } }

    static func configuration(cap: Int = 100_000) -> ContactStore.Configuration {
        ContactStore.Configuration(rpiCapPerDay: cap, keySource: .keyFile)
    }
}

enum RawFiles {
    /// Every byte of every file in `directory` (database, WAL, key files…), for leak scans.
    static func contents(of directory: String) -> [(String, [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return (name, [UInt8](data))
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return false }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && Array(haystack[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }

    /// Files in `directory` that contain `needle`.
    static func filesContaining(_ needle: [UInt8], in directory: String) -> [String] {
        contents(of: directory).filter { contains($0.1, needle) }.map(\.0)
    }
}
