import Crypto
import ExposureNotification
import Foundation
@testable import NotificationServer
import TestSupport
import Testing

@Suite(.serialized) struct ExportWorkerTests {
    let now: Int64 = 1_764_072_000
    var today: ExposureDay { ExposureDay(unixSeconds: now) }

    struct Setup {
        var directory: TemporaryDirectory
        var database: any ServerDatabase
        var registration: RegistrationService
        var worker: ExportWorker
        var keyring: VerificationKeyring
    }

    func setUp(_ backend: Backend, minimumKeys: Int = 50) async throws -> Setup {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        let signing = P256.Signing.PrivateKey()
        var settings = ExportWorker.Settings(mirrorDirectory: "\(directory.path)/exports", publicURL: "https://keys.example.org/", regions: ["440"])
        settings.minimumKeys = minimumKeys
        return Setup(directory: directory, database: database,
                     registration: RegistrationService(database: database, secret: SymmetricKey(size: .bits256), settings: .init(regions: ["440"])),
                     worker: ExportWorker(database: database, signer: .init(privateKey: signing, keyID: "440", keyVersion: "v1"), settings: settings),
                     keyring: VerificationKeyring([.init(id: "440", version: "v1", publicKey: signing.publicKey)]))
    }

    func register(_ setup: Setup, _ keys: [TemporaryExposureKey], onset: ExposureDay) async throws {
        let issued = try await setup.registration.issue(now: now)
        #expect(try await setup.registration.register(submission(number: issued.processingNumber, keys: keys, onset: onset), now: now)
                == .registered(accepted: keys.count, dropped: 0))
    }

    func listed(_ setup: Setup) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(setup.directory.path)/exports/c19r/440/list.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    @Test(arguments: Backend.available) func keysArePublishedTwoHoursAfterTheirDaySignedShuffledAndPadded(_ backend: Backend) async throws {
        let setup = try await setUp(backend)
        defer { Task { await setup.database.close() } }
        let keys = (0..<5).map { key(day: today, seed: UInt64($0)) }
        try await register(setup, keys, onset: today)
        // Still valid today, and until 02:00 tomorrow: nothing yet.
        var report = try await setup.worker.run(now: now)
        #expect(report.filesWritten == 0)
        #expect(try listed(setup).isEmpty)
        report = try await setup.worker.run(now: today.adding(days: 1).unixSeconds + 7_199)
        #expect(report.filesWritten == 0)
        let published = today.adding(days: 1).unixSeconds + 7_200
        report = try await setup.worker.run(now: published)
        #expect(report.filesWritten == 1 && report.keysPublished == 5 && report.paddingKeys == 45)

        let entries = try listed(setup)
        #expect(entries.count == 1)
        let url = try #require(entries.first?["url"] as? String)
        #expect(url.hasPrefix("https://keys.example.org/c19r/440/") && entries.first?["region"] as? Int == 440)
        #expect(entries.first?["created"] as? Int64 == published * 1_000)
        let name = String(url.split(separator: "/").last ?? "")
        let zip = try Data(contentsOf: URL(fileURLWithPath: "\(setup.directory.path)/exports/c19r/440/\(name)"))
        let file = try ExportReader.read(.zip(zip), keyring: setup.keyring)
        #expect(file.signature.status == .valid)
        #expect(file.keys.count == 50)
        #expect(Set(keys.map(\.keyData)).isSubset(of: Set(file.keys.map(\.keyData))))
        #expect(file.keys.allSatisfy { $0.day == today && $0.rollingPeriod == 144 })
        // In an order that says nothing: sorted by key data (random), not the real keys first.
        #expect(Array(file.keys.prefix(5)).map(\.keyData) != keys.map(\.keyData))
        #expect(file.keys.map(\.keyData.bytes) == file.keys.map(\.keyData.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        // What the mirror holds is what the database serves.
        #expect(try await setup.database.publishedFile(path: "440/\(name)")?.data == zip)
        let index = try String(contentsOfFile: "\(setup.directory.path)/exports/c19r/440/index.txt", encoding: .utf8)
        #expect(index == "440/\(name)\n")
        // Published keys leave the database.
        #expect(try await setup.database.statistics().pendingKeys == 0)
    }

    @Test(arguments: Backend.available) func aKeyThatEndedEarlyWaitsForTheEndOfItsDay(_ backend: Backend) async throws {
        let setup = try await setUp(backend)
        defer { Task { await setup.database.close() } }
        // Valid 00:00–12:00 today only; at 14:00 its own end is 2 h past, its day's is not.
        try await register(setup, [key(day: today, seed: 9, period: 72)], onset: today)
        #expect(try await setup.worker.run(now: today.unixSeconds + 14 * 3_600 + 60).filesWritten == 0)
        #expect(try await setup.worker.run(now: today.adding(days: 1).unixSeconds + 7_200).filesWritten == 1)
    }

    @Test(arguments: Backend.available) func temporaryFilesOfAKilledRunAreRemoved(_ backend: Backend) async throws {
        let setup = try await setUp(backend)
        defer { Task { await setup.database.close() } }
        let folder = "\(setup.directory.path)/exports/c19r/440"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stale = "\(folder)/.abc.zip.999999.tmp", young = "\(folder)/.def.zip.999998.tmp"
        #expect(FileManager.default.createFile(atPath: stale, contents: Data("keys".utf8)))
        #expect(FileManager.default.createFile(atPath: young, contents: Data("keys".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: stale)
        _ = try await setup.worker.run(now: now)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: young), "a file another pass may be writing is left alone")
    }

    @Test(arguments: Backend.available) func anExportInterruptedAfterItsClaimIsFinishedByTheNextRun(_ backend: Backend) async throws {
        let setup = try await setUp(backend, minimumKeys: 0)
        defer { Task { await setup.database.close() } }
        try await register(setup, [key(day: today.adding(days: -1), seed: 1), key(day: today.adding(days: -1), seed: 2)], onset: today)
        // The server stopped after claiming the keys, before writing the file.
        let cutoff = today.firstInterval?.rawValue ?? 0
        #expect(try await setup.database.acquireExportLease(holder: "bleagent-server", seconds: 60) == .acquired)
        let claimed = try #require(try await setup.database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000,
                                                                        holder: "bleagent-server", padding: { _ in [] }))
        #expect(!FileManager.default.fileExists(atPath: "\(setup.directory.path)/exports/c19r/440/list.json"))
        let report = try await setup.worker.run(now: now)
        #expect(report.filesResumed == 1 && report.filesWritten == 0 && report.keysPublished == 2)
        let entries = try listed(setup)
        #expect(entries.count == 1 && (entries.first?["url"] as? String)?.hasSuffix(claimed.fileName) == true)
        #expect(try await setup.database.statistics().pendingKeys == 0)
    }

    @Test(arguments: Backend.available) func filesOlderThanFourteenDaysAreDeleted(_ backend: Backend) async throws {
        let setup = try await setUp(backend, minimumKeys: 0)
        defer { Task { await setup.database.close() } }
        try await register(setup, [key(day: today.adding(days: -1), seed: 1)], onset: today)
        _ = try await setup.worker.run(now: now)
        let name = try #require((try listed(setup).first?["url"] as? String)?.split(separator: "/").last.map(String.init))
        let path = "\(setup.directory.path)/exports/c19r/440/\(name)"
        #expect(FileManager.default.fileExists(atPath: path))
        var report = try await setup.worker.run(now: now + 14 * 86_400 - 1)
        #expect(report.filesDeleted == 0 && FileManager.default.fileExists(atPath: path))
        report = try await setup.worker.run(now: now + 14 * 86_400 + 1)
        #expect(report.filesDeleted == 1 && !FileManager.default.fileExists(atPath: path))
        #expect(try listed(setup).isEmpty)
    }

    func worker(_ setup: Setup, instance: String, mirror: Bool = false, leaseSeconds: Int = 60) -> ExportWorker {
        var settings = setup.worker.settings
        settings.instance = instance
        settings.leaseSeconds = leaseSeconds
        if !mirror { settings.mirrorDirectory = nil }
        return ExportWorker(database: setup.database, signer: setup.worker.signer, settings: settings)
    }

    /// Keys of `days` days before today, `perDay` each, one registration per day.
    func registerDays(_ setup: Setup, days: Int, perDay: Int) async throws -> Set<Block16> {
        var all = Set<Block16>()
        for day in 1...days {
            let keys = (0..<perDay).map { key(day: today.adding(days: -Int32(day)), seed: UInt64(day * 1_000 + $0)) }
            try await register(setup, keys, onset: today.adding(days: -Int32(day)))
            all.formUnion(keys.map(\.keyData))
        }
        return all
    }

    func publishedKeys(_ setup: Setup) async throws -> [Block16] {
        var keys: [Block16] = []
        for record in try await setup.database.publishedExports(region: "440") {
            let file = try #require(try await setup.database.publishedFile(path: "440/\(record.fileName)"))
            keys += try ExportReader.read(.zip(file.data), keyring: setup.keyring).keys.map(\.keyData)
        }
        return keys
    }

    /// Three instances run their passes at once on one database: one holds the lease, the others
    /// find it held and do nothing; every key is published once, `created` strictly increases.
    @Test(arguments: Backend.available) func threeInstancesExportEachKeyExactlyOnce(_ backend: Backend) async throws {
        let setup = try await setUp(backend, minimumKeys: 0)
        defer { Task { await setup.database.close() } }
        let registered = try await registerDays(setup, days: 6, perDay: 4)
        let workers = ["a", "b", "c"].map { worker(setup, instance: $0) }
        var reports: [ExportWorker.Report] = []
        for _ in 0..<3 {
            reports += try await withThrowingTaskGroup(of: ExportWorker.Report.self) { group in
                for worker in workers { group.addTask { try await worker.run(now: now) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(reports.reduce(0) { $0 + $1.filesWritten } == 6)
        #expect(reports.contains { $0.leaseHolder != nil } || reports.allSatisfy { $0.leaseHolder == nil })
        let published = try await publishedKeys(setup)
        #expect(published.count == registered.count && Set(published) == registered)
        let created = try await setup.database.publishedExports(region: "440").map(\.createdMillis)
        #expect(created == created.sorted() && Set(created).count == created.count, "created strictly increases: \(created)")
        // A pass in the same millisecond as the last still gets a later `created`.
        _ = try await registerDays(setup, days: 1, perDay: 1).count
        _ = try await workers[1].run(now: now)
        let later = try await setup.database.publishedExports(region: "440").map(\.createdMillis)
        #expect(later.count == created.count + 1 && (later.last ?? 0) > (created.last ?? 0))
    }

    /// A holder that stops (killed or frozen) loses the lease when it runs out; the next instance
    /// finishes the export it began, from the same keys and padding; the old holder, waking up,
    /// can publish nothing.
    @Test(arguments: Backend.available) func aStoppedHolderIsTakenOverAndCanNoLongerPublish(_ backend: Backend) async throws {
        let setup = try await setUp(backend, minimumKeys: 20)
        defer { Task { await setup.database.close() } }
        let registered = try await registerDays(setup, days: 1, perDay: 3)
        let cutoff = today.firstInterval?.rawValue ?? 0
        #expect(try await setup.database.acquireExportLease(holder: "a", seconds: 1) == .acquired)
        let begun = try #require(try await setup.database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000,
                                                                      holder: "a", padding: { ExportWorker.padding(for: $0, day: today.adding(days: -1), upTo: 20) }))
        let stored = try await setup.database.content(ofExport: begun.id)
        #expect(stored.keys.count == 3 && stored.padding.count == 17)
        // "a" froze here. While its lease runs, "b" does nothing.
        let b = worker(setup, instance: "b")
        let waiting = try await b.run(now: now)
        #expect(waiting.leaseHolder == "a" && waiting.filesWritten + waiting.filesResumed == 0)
        try await Task.sleep(for: .milliseconds(1_100))
        let takeover = try await b.run(now: now)
        #expect(takeover.leaseHolder == nil && takeover.filesResumed == 1 && takeover.keysPublished == 3 && takeover.paddingKeys == 17)
        // The same padding the first holder drew, not a fresh one: two versions reveal nothing.
        let file = try #require(try await setup.database.publishedFile(path: "440/\(begun.fileName)"))
        let keys = Set(try ExportReader.read(.zip(file.data), keyring: setup.keyring).keys.map(\.keyData))
        #expect(keys == Set((stored.keys + stored.padding).map(\.keyData)) && registered.isSubset(of: keys))
        // "a" wakes up and tries to publish its own version: refused, the published file unchanged.
        let late = PublishedFile(path: "440/\(begun.fileName)", data: Data("late".utf8), contentType: "application/zip")
        await #expect(throws: ServerError.leaseLost("a")) { _ = try await setup.database.publishExport(id: begun.id, file: late, holder: "a") }
        #expect(try await setup.database.acquireExportLease(holder: "a", seconds: 60) == .acquired)
        #expect(try await setup.database.publishExport(id: begun.id, file: late, holder: "a") == false, "published already: dropped")
        #expect(try await setup.database.publishedFile(path: "440/\(begun.fileName)")?.data == file.data)
    }

    /// With no mirror, nothing is written to disk: every instance serves from the database.
    @Test(arguments: Backend.available) func withoutAMirrorTheFilesLiveOnlyInTheDatabase(_ backend: Backend) async throws {
        let setup = try await setUp(backend, minimumKeys: 0)
        defer { Task { await setup.database.close() } }
        _ = try await registerDays(setup, days: 2, perDay: 2)
        let report = try await worker(setup, instance: "a").run(now: now)
        #expect(report.filesWritten == 2)
        #expect(!FileManager.default.fileExists(atPath: "\(setup.directory.path)/exports"))
        let tags = try await setup.database.publishedFileTags()
        #expect(tags.keys.sorted().filter { $0.hasSuffix(".zip") }.count == 2 && tags["440/list.json"] != nil && tags["440/index.txt"] != nil)
        // A mirror started later catches up with what others published.
        _ = try await worker(setup, instance: "b", mirror: true).run(now: now)
        let mirrored = try FileManager.default.contentsOfDirectory(atPath: "\(setup.directory.path)/exports/c19r/440").filter { $0.hasSuffix(".zip") }
        #expect(mirrored.count == 2)
    }
}
