import ContactStore
import ExposureNotification
import Foundation

/// The contact store under a busy fortnight: 14 days × 200,000 sightings (80,000 distinct RPIs a
/// day, each heard 2–3 times), ingested in batches with every commit durable (synchronous = FULL),
/// then loaded whole into the matcher's table.
enum StoreBenchmark {
    static func run(options: [String]) async {
        var days = 14, perDay = 200_000, batch = 1_000
        var directory = ProcessInfo.processInfo.environment["BLEAGENT_BENCH_DIR"].map { $0 + "/store" }
            ?? NSTemporaryDirectory() + "bleagent-bench-store"
        Bench.parse(options, ["--days": { days = Int($0) ?? days }, "--per-day": { perDay = Int($0) ?? perDay },
                              "--batch": { batch = Int($0) ?? batch }, "--dir": { directory = $0 }])
        Bench.warnIfDebug("store")
        try? FileManager.default.removeItem(atPath: directory)
        let firstDay = ExposureDay(rawValue: 20_400)
        let end = firstDay.adding(days: Int32(days)).unixSeconds
        let store: ContactStore
        do {
            store = try await ContactStore.open(StoreDirectory(path: directory), configuration: .init(keySource: .keyFile), now: end)
        } catch {
            Bench.fail("open: \(error)")
        }
        print("store benchmark: \(days) days × \(Bench.grouped(perDay)) sightings, batches of \(Bench.grouped(batch)), in \(directory)")
        var ingestSeconds = 0.0
        var stored = 0
        var rng = SplitMix64(seed: 5)
        for day in 0..<days {
            let dayStart = firstDay.adding(days: Int32(day)).unixSeconds
            let distinct = perDay * 2 / 5
            let rpis = (0..<distinct).map { _ in RollingProximityIdentifier(Block16(lo: rng.next(), hi: rng.next())) }
            var position = 0
            while position < perDay {
                let count = min(batch, perDay - position)
                let sightings = (position..<(position + count)).map { item in
                    Sighting(rpi: rpis[item * distinct / perDay], aem: AssociatedEncryptedMetadata(rawValue: UInt32(truncatingIfNeeded: item)),
                             time: dayStart + Int64(item) * 86_399 / Int64(perDay), rssiMax: -60, rssiMean: -63, secondsSinceLastScan: 240)
                }
                let started = Bench.now()
                do {
                    // Recorded as the radio records: at the time of the sightings (a store that is told
                    // "now" is days later treats each batch as a late write to a past day).
                    stored += try await store.record(sightings, now: (sightings.last?.time ?? end) + 1).stored
                } catch {
                    Bench.fail("record: \(error)")
                }
                ingestSeconds += Bench.now() - started
                position += count
            }
        }
        let ingestRate = Double(stored) / ingestSeconds
        let rssBeforeLoad = Bench.currentRSSMiB()
        let loadStart = Bench.now()
        let table: SightingTable
        do { table = try await store.sightingTable(now: end) } catch { Bench.fail("load: \(error)") }
        let loadSeconds = Bench.now() - loadStart
        let size = StoreDirectory(path: directory).sizeOnDisk()
        print("  ingest:   \(Bench.grouped(stored)) sightings in \(Bench.format(ingestSeconds, 2)) s = \(Bench.grouped(Int(ingestRate))) sightings/s (target ≥ 50,000: ratio \(Bench.format(ingestRate / 50_000)))")
        print("  load:     \(Bench.grouped(table.count)) sightings into the matcher's table in \(Bench.format(loadSeconds, 3)) s (target ≤ 1 s: ratio \(Bench.format(1 / loadSeconds)))")
        print("            table \(Bench.format(Double(table.count * MemoryLayout<Sighting>.stride) / 1_048_576, 1)) MiB; RSS \(Bench.format(rssBeforeLoad, 1)) → \(Bench.format(Bench.currentRSSMiB(), 1)) MiB")
        print("  on disk:  \(Bench.format(Double(size) / 1_048_576, 1)) MiB = \(Bench.format(Double(size) / Double(max(stored, 1)), 1)) bytes per sighting (32 bytes of record + sealing and SQLite overhead)")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
