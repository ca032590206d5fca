import ContactStore
import ExposureNotification
import Foundation

/// `check`: what survived a crash or a power cut, against what was acknowledged.
enum CrashCheck {
    static func run(_ arguments: [String]) async -> Int32 {
        guard arguments.count >= 5, let base = Int64(arguments[1]), let step = Int64(arguments[2]), let size = Int(arguments[3]) else {
            FileHandle.standardError.write(Data("usage: bleagent-store-crash-writer check DIR BASE_TIME STEP_SECONDS BATCH_SIZE ACKS_FILE [STATE_FILE]\n".utf8))
            return 2
        }
        let directory = StoreDirectory(path: arguments[0])
        let acked = Set(((try? String(contentsOfFile: arguments[4], encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil })
        let last = acked.max() ?? -1
        // The writer may have committed the batch after the last ack without acknowledging it: check at its time.
        let now = base + Int64(last + 1) * step
        do {
            let store = try await ContactStore.open(directory, configuration: .init(keySource: .keyFile), now: now)
            let report = try await store.verifyIntegrity(now: now)
            var perBatch: [Int: Int] = [:]
            for sighting in try await store.sightingTable(now: now).sightings { perBatch[CrashBatch.batch(of: sighting), default: 0] += 1 }
            let kept = acked.filter { batch in !(Epoch(unixSeconds: base + Int64(batch) * step)?.isExpired(at: now) ?? true) }
            let missing = kept.filter { (perBatch[$0] ?? 0) < size }.sorted()
            let partial = perBatch.filter { $0.value % size != 0 }.keys.sorted()
            var stateProblem: String?
            if arguments.count > 5, last >= 0 {
                let text = (try? String(contentsOfFile: arguments[5], encoding: .utf8)) ?? ""
                let held = text.hasPrefix("batch ") ? Int(text.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
                if held == nil { stateProblem = "state file unreadable: \(text.debugDescription)" }
                if let held, held < last { stateProblem = "state file holds batch \(held), \(last) was acknowledged" }
            }
            let lossReport = (store.lossAtOpen ?? report.loss).map { "; store reports a loss: \($0)" } ?? ""
            print("acked \(acked.count) (kept \(kept.count), last \(last)), missing \(missing.count), partial \(partial.count), "
                  + "integrity \(report.sqlite), unreadable chunks \(report.unreadableChunks), "
                  + "state \(stateProblem ?? (arguments.count > 5 ? "ok" : "not checked"))\(lossReport)")
            if !missing.isEmpty { print("missing batches: \(missing.prefix(20).map(String.init).joined(separator: " "))\(missing.count > 20 ? " …" : "")") }
            let good = missing.isEmpty && partial.isEmpty && report.isComplete && store.lossAtOpen == nil && stateProblem == nil
            return good ? 0 : 1
        } catch {
            print("cannot check the store: \(error)")
            return 2
        }
    }
}
