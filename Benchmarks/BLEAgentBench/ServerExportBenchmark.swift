import Crypto
import ExposureNotification
import Foundation
import Logging
import NotificationServer

/// The notification server's export worker over 500,000 registered keys (14 key days): take the lease,
/// claim from the database with padding, sign, zip, store in the database and mirror durably, list,
/// delete the published keys. The bound, measured in the
/// same run: building and signing the same files in memory alone (ExportWriter.archive).
enum ServerExportBenchmark {
    static func run(options: [String]) async {
        var keyCount = 500_000, days = 14
        var database = "sqlite"
        var directory = NSTemporaryDirectory() + "bleagent-bench-server"
        Bench.parse(options, ["--keys": { keyCount = Int($0) ?? keyCount }, "--days": { days = Int($0) ?? days },
                              "--database": { database = $0 }, "--dir": { directory = $0 }])
        Bench.warnIfDebug("server-export")
        try? FileManager.default.removeItem(atPath: directory)
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        configuration.databaseURL = database
        configuration.minimumKeys = 1_000
        let runtime: ServerRuntime
        do {
            _ = try ServerSecrets.create(configuration)
            runtime = try await ServerRuntime.open(configuration, logger: Logger(label: "bench"))
        } catch {
            Bench.fail("open: \(error)")
        }
        let today = ExposureDay(unixSeconds: Int64(Date().timeIntervalSince1970))
        var rng = SplitMix64(seed: 8)
        var perDay: [ExposureDay: [TemporaryExposureKey]] = [:]
        var inserted = 0
        let insertStart = Bench.now()
        // One case per 10,000 keys (the database API takes any number; validation caps requests at 30).
        while inserted < keyCount {
            let count = min(10_000, keyCount - inserted)
            let keys = (0..<count).map { offset in
                let day = today.adding(days: -Int32((inserted + offset) % days) - 1)
                var key = TemporaryExposureKey.generate(for: day.firstInterval ?? ENIntervalNumber(rawValue: 0), using: &rng)
                key.reportType = .confirmedTest
                key.daysSinceOnsetOfSymptoms = 0
                return key
            }
            for key in keys { perDay[key.day, default: []].append(key) }
            let hash = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            do {
                _ = try await runtime.database.createCase(id: "bench-\(inserted)", numberHash: hash, now: today.unixSeconds, expiresAt: today.unixSeconds + 3_600)
                let pending = keys.map { key in
                    PendingKey(key, region: "440", idempotencyKey: "bench-\(inserted)")
                }
                _ = try await runtime.database.register(numberHash: hash, idempotencyKey: "bench", requestDigest: Data(), keys: pending, now: today.unixSeconds)
            } catch {
                Bench.fail("insert: \(error)")
            }
            inserted += count
        }
        let insertSeconds = Bench.now() - insertStart
        print("server export benchmark: \(Bench.grouped(keyCount)) keys over \(days) key days in \(database == "sqlite" ? "SQLite" : "PostgreSQL") (inserted in \(Bench.format(insertSeconds)) s)")

        let cpuBefore = Bench.cpuSeconds()
        let start = Bench.now()
        let report: ExportWorker.Report
        do {
            report = try await runtime.worker.run(now: today.unixSeconds + 7_200, nowMillis: runtime.nowMillis())
        } catch {
            Bench.fail("export: \(error)")
        }
        let seconds = Bench.now() - start
        let cpu = Bench.cpuSeconds() - cpuBefore
        guard report.keysPublished == keyCount else { Bench.fail("published \(report.keysPublished) of \(keyCount) keys") }

        // The bound: the same files built and signed in memory, nothing else.
        let boundStart = Bench.now()
        var bytes = 0
        for (day, keys) in perDay {
            var shuffled = keys
            shuffled.shuffle(using: &rng)
            let start = UInt64(day.unixSeconds)
            do {
                bytes += try ExportWriter.archive(header: .init(startTimestamp: start, endTimestamp: start + 86_400, region: "440", batchNumber: 1, batchSize: 1),
                                                  keys: shuffled, signer: runtime.secrets.signer).count
            } catch {
                Bench.fail("bound: \(error)")
            }
        }
        let bound = Bench.now() - boundStart
        await runtime.close()
        print("  export pass: \(report.filesWritten) files, \(Bench.grouped(report.keysPublished)) keys in \(Bench.format(seconds)) s "
              + "(\(Bench.grouped(Int(Double(keyCount) / seconds))) keys/s, CPU \(Bench.format(cpu)) s, peak RSS \(Bench.format(Bench.peakRSSMiB(), 1)) MiB)")
        print("  bound (build + sign the same files in memory): \(Bench.format(bound)) s, \(Bench.grouped(bytes)) bytes")
        print("  ratio export pass / bound: \(Bench.format(seconds / bound))")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
