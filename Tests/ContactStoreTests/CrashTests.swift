@testable import ContactStore
import ExposureNotification
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// SIGKILL at random moments, 200 times: each time the store must open, hold every batch that was
/// acknowledged before the kill, hold no batch in part, and be sound (checked by the writer's `check`).
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
        let acks = temp.path + "/acks.txt"
        _ = FileManager.default.createFile(atPath: acks, contents: nil)
        var rng = SystemRandomNumberGenerator()
        var acked = Set<Int>()
        var next = 0
        var killsDuringWrites = 0
        for iteration in 0..<200 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.writer)
            process.arguments = [temp.store.path, "\(next)", "\(Self.base)", "\(Self.step)", "\(Self.size)"]
            let ackFile = try FileHandle(forWritingTo: URL(fileURLWithPath: acks))
            try ackFile.seekToEnd()
            process.standardOutput = ackFile
            process.standardError = FileHandle.nullDevice
            let before = acked.count
            try process.run()
            usleep(UInt32.random(in: 5_000...250_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try ackFile.close()
            let text = try String(contentsOfFile: acks, encoding: .utf8)
            acked = Set(text.split(separator: "\n").compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil })
            if acked.count > before { killsDuringWrites += 1 }
            next = (acked.max() ?? -1) + 1
            try check(temp.store, acks: acks, iteration: iteration)
        }
        // Most kills must land while batches are being written, not only during start-up.
        #expect(killsDuringWrites >= 100, "only \(killsDuringWrites) kills interrupted writing")
        #expect(acked.count >= 500, "only \(acked.count) batches acknowledged")
    }

    /// The writer's own `check` (the one the power-cut test runs): every acknowledged batch still
    /// kept is whole, none is there in part, the store is sound and reports no loss.
    func check(_ directory: StoreDirectory, acks: String, iteration: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.writer)
        process.arguments = ["check", directory.path, "\(Self.base)", "\(Self.step)", "\(Self.size)", acks]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "kill \(iteration): \(text)")
    }
}
