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
        var settings = ExportWorker.Settings(directory: "\(directory.path)/exports", publicURL: "https://keys.example.org/", regions: ["440"])
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
        // Shuffled: the real keys are not simply the first five.
        #expect(Array(file.keys.prefix(5)).map(\.keyData) != keys.map(\.keyData))
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
        let claimed = try #require(try await setup.database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000))
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
}
