@testable import ContactStore
import ExposureNotification
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGKILL at random moments, 200 times: each time the store must open, hold every batch that was
/// acknowledged before the kill, hold no batch in part, and be sound.
struct CrashTests {
    static let base: Int64 = 1_772_366_400
    static let step: Int64 = 1_800       // each batch half an hour later: new hour keys every 2 batches, expiry after 672
    static let size = 40

    static var writer: String {
        if let path = ProcessInfo.processInfo.environment["BLEAGENT_CRASH_WRITER"] { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("bleagent-store-crash-writer").path
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CrashTests.writer),
                   "bleagent-store-crash-writer not built (swift build --build-tests builds it)"))
    func survivesTwoHundredKills() async throws {
        let temp = TemporaryDirectory("crash")
        var rng = SystemRandomNumberGenerator()
        var acked = Set<Int>()
        var next = 0
        var killsDuringWrites = 0
        for iteration in 0..<200 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.writer)
            process.arguments = [temp.store.path, "\(next)", "\(Self.base)", "\(Self.step)", "\(Self.size)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 5_000...250_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let acks = text.split(separator: "\n").compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil }
            if !acks.isEmpty { killsDuringWrites += 1 }
            acked.formUnion(acks)
            let last = acked.max() ?? -1
            next = last + 1
            try await check(temp.store, acked: acked, upTo: next, iteration: iteration)
        }
        // Most kills must land while batches are being written, not only during start-up.
        #expect(killsDuringWrites >= 100, "only \(killsDuringWrites) kills interrupted writing")
        #expect(acked.count >= 500, "only \(acked.count) batches acknowledged")
    }

    func check(_ directory: StoreDirectory, acked: Set<Int>, upTo next: Int, iteration: Int) async throws {
        // The writer may have committed batch `next` without acknowledging it: check at its time.
        let now = Self.base + Int64(next) * Self.step
        let store = try await ContactStore.open(directory, configuration: Sample.configuration(), now: now)
        let report = try await store.verifyIntegrity(now: now)
        #expect(report.isSound, "kill \(iteration): \(report)")
        var perBatch: [Int: Int] = [:]
        for sighting in try await store.sightingTable(now: now).sightings {
            perBatch[Int(sighting.rpi.value.hi & 0xFFFF_FFFF), default: 0] += 1
        }
        for (batch, count) in perBatch {
            // All or nothing (a batch rewritten after an unacknowledged commit appears twice).
            #expect(count % Self.size == 0, "kill \(iteration): batch \(batch) holds \(count) sightings, not a multiple of \(Self.size)")
        }
        for batch in acked where !(Epoch(unixSeconds: Self.base + Int64(batch) * Self.step)?.isExpired(at: now) ?? true) {
            #expect(perBatch[batch] ?? 0 >= Self.size, "kill \(iteration): acknowledged batch \(batch) is missing")
        }
    }
}
