// bleagent-store-crash-writer: a test tool for the contact store's crash and power-cut tests (not installed).
//
//   bleagent-store-crash-writer DIR FIRST_BATCH BASE_TIME STEP_SECONDS BATCH_SIZE [CAP [STATE_FILE]]
//
// Opens the store in DIR and writes batch after batch: batch i holds BATCH_SIZE sightings stamped
// BASE_TIME + i × STEP_SECONDS, with RPIs derived from (i, j) so a checker can recompute them. After
// each commit it runs an expiry pass; with STATE_FILE it then writes "batch i" to that file through
// `DurableFile` (as the agent's state files are written); then it prints "ack i" — a batch is
// acknowledged only once `record` (and the state file) have returned. It runs until killed.
//
//   bleagent-store-crash-writer check DIR BASE_TIME STEP_SECONDS BATCH_SIZE ACKS_FILE [STATE_FILE]
//
// After a crash or a power cut: opens the store at the time of the batch after the last one
// acknowledged (the "ack i" lines of ACKS_FILE) and checks that every acknowledged batch still kept
// is there whole, that no batch is there in part, that the store is sound and reports no loss, and
// that STATE_FILE holds the last acknowledged batch or a later one. Prints one line of figures;
// exits 0 if nothing acknowledged is missing, 1 if something is, 2 if it could not check.
import ContactStore
import Durability
import ExposureNotification
import Foundation

@MainActor
func crashWriterMain() async {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "check" {
        exit(await CrashCheck.run(Array(arguments.dropFirst())))
    }
    guard arguments.count >= 5, let first = Int(arguments[1]), let base = Int64(arguments[2]),
          let step = Int64(arguments[3]), let size = Int(arguments[4]) else {
        fail(64, "usage: bleagent-store-crash-writer DIR FIRST_BATCH BASE_TIME STEP_SECONDS BATCH_SIZE [CAP [STATE_FILE]]\n"
             + "       bleagent-store-crash-writer check DIR BASE_TIME STEP_SECONDS BATCH_SIZE ACKS_FILE [STATE_FILE]")
    }
    let cap = arguments.count > 5 ? Int(arguments[5]) ?? 100_000 : 100_000
    let stateFile = arguments.count > 6 ? arguments[6] : nil
    let directory = StoreDirectory(path: arguments[0])
    do {
        let store = try await ContactStore.open(directory, configuration: .init(rpiCapPerDay: cap, keySource: .keyFile),
                                                now: base + Int64(first) * step)
        var batch = first
        while true {
            let now = base + Int64(batch) * step
            _ = try await store.record(CrashBatch.sightings(batch: batch, size: size, time: now), now: now)
            _ = try await store.expire(now: now)
            if let stateFile { try DurableFile.write(Data("batch \(batch)\n".utf8), to: stateFile) }
            // Unbuffered: the ack is out before the next write starts.
            FileHandle.standardOutput.write(Data("ack \(batch)\n".utf8))
            batch += 1
        }
    } catch {
        fail(1, "crash writer: \(error)")
    }
}

func fail(_ code: Int32, _ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

/// The deterministic content of a batch (the checkers recompute it the same way).
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

    /// The batch a stored sighting belongs to.
    static func batch(of sighting: Sighting) -> Int { Int(sighting.rpi.value.hi & 0xFFFF_FFFF) }
}

await crashWriterMain()
