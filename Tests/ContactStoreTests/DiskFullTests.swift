@testable import ContactStore
import ExposureNotification
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// A full disk (a small tmpfs): a clear error, nothing stored lost, and recovery when space returns.
/// Needs root to mount the tmpfs; skipped with a message otherwise.
@Suite(.enabled(if: SmallTmpfs.available, "needs root and tmpfs mounts (mount -t tmpfs) to test a full disk"))
struct DiskFullTests {
    @Test func fullDiskIsAClearErrorAndLosesNothing() async throws {
        let mount = try SmallTmpfs(megabytes: 4)
        defer { mount.unmount() }
        let directory = StoreDirectory(path: mount.path + "/state")
        let store = try await ContactStore.open(directory, configuration: Sample.configuration(), now: Sample.noon)
        var stored: [Sighting] = []
        for batch in 0..<10 {
            let sightings = Sample.sightings(UInt64(batch * 200)..<UInt64(batch * 200 + 200), time: Sample.noon)
            _ = try await store.record(sightings, now: Sample.noon)
            stored += sightings
        }
        mount.fill()
        var failure: StoreError?
        for batch in 10..<400 {
            do {
                let sightings = Sample.sightings(UInt64(batch * 200)..<UInt64(batch * 200 + 200), time: Sample.noon)
                _ = try await store.record(sightings, now: Sample.noon)
                stored += sightings
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the disk never filled")
        #expect(error == .diskFull(directory: directory.path), "\(error)")
        #expect(error.description.contains("full") && error.description.contains("intact"))
        // Nothing acknowledged was lost, and the store still reads.
        #expect(Set(try await store.sightingTable(now: Sample.noon).sightings) == Set(stored))
        // Space returns: writing works again.
        mount.emptyFiller()
        let after = Sample.sightings(900_000..<900_200, time: Sample.noon)
        #expect(try await store.record(after, now: Sample.noon).stored == 200)
        #expect(try await store.sightingTable(now: Sample.noon).count == stored.count + 200)
        #expect(try await store.verifyIntegrity(now: Sample.noon).isSound)
    }
}

/// A tmpfs of a few MiB mounted for one test.
struct SmallTmpfs {
    let path: String

    static let available: Bool = {
        guard getuid() == 0, let probe = try? SmallTmpfs(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        path = NSTemporaryDirectory() + "bleagent-tmpfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    var filler: String { path + "/filler" }

    /// Takes all free space.
    func fill() {
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return }
        let block = [UInt8](repeating: 0x55, count: 4096)
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        close(descriptor)
    }

    func emptyFiller() { unlink(filler) }

    func unmount() {
        _ = Self.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
