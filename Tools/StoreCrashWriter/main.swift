// bleagent-store-crash-writer: a test tool for the contact store's crash tests (not installed).
//
//   bleagent-store-crash-writer DIR FIRST_BATCH BASE_TIME STEP_SECONDS BATCH_SIZE [CAP]
//
// Opens the store in DIR and writes batch after batch: batch i holds BATCH_SIZE sightings stamped
// BASE_TIME + i × STEP_SECONDS, with RPIs derived from (i, j) so a checker can recompute them. After
// each commit it runs an expiry pass and prints "ack i" (flushed) — a batch is acknowledged only
// once `record` has returned. It runs until killed; the test SIGKILLs it at random moments.
import ContactStore
import ExposureNotification
import Foundation

@MainActor
func crashWriterMain() async {
    let arguments = CommandLine.arguments
    guard arguments.count >= 6, let first = Int(arguments[2]), let base = Int64(arguments[3]),
          let step = Int64(arguments[4]), let size = Int(arguments[5]) else {
        FileHandle.standardError.write(Data("usage: bleagent-store-crash-writer DIR FIRST_BATCH BASE_TIME STEP_SECONDS BATCH_SIZE [CAP]\n".utf8))
        exit(64)
    }
    let cap = arguments.count > 6 ? Int(arguments[6]) ?? 100_000 : 100_000
    let directory = StoreDirectory(path: arguments[1])
    do {
        let store = try await ContactStore.open(directory, configuration: .init(rpiCapPerDay: cap, keySource: .keyFile),
                                                now: base + Int64(first) * step)
        var batch = first
        while true {
            let now = base + Int64(batch) * step
            _ = try await store.record(CrashBatch.sightings(batch: batch, size: size, time: now), now: now)
            // Unbuffered: the ack is out before the next write starts.
            FileHandle.standardOutput.write(Data("ack \(batch)\n".utf8))
            _ = try await store.expire(now: now)
            batch += 1
        }
    } catch {
        FileHandle.standardError.write(Data("crash writer: \(error)\n".utf8))
        exit(1)
    }
}

/// The deterministic content of a batch (the checker in the tests recomputes it the same way).
enum CrashBatch {
    static func sightings(batch: Int, size: Int, time: Int64) -> [Sighting] {
        (0..<size).map { index in
            Sighting(rpi: rpi(batch: batch, index: index), aem: AssociatedEncryptedMetadata(rawValue: UInt32(truncatingIfNeeded: batch)),
                     time: time, rssiMax: -50, rssiMean: -55, secondsSinceLastScan: 240, adapter: 0)
        }
    }

    static func rpi(batch: Int, index: Int) -> RollingProximityIdentifier {
        RollingProximityIdentifier(Block16(lo: UInt64(batch) << 20 | UInt64(index), hi: 0x5EED_0000_0000_0000 | UInt64(batch)))
    }
}

await crashWriterMain()
