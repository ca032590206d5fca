import Crypto
import ExposureNotification
import Foundation
import Logging
@testable import NotificationServer
import TestSupport
import Testing

/// The registration and export rules, against each back-end (SQLite always, PostgreSQL when
/// $BLEAGENT_TEST_POSTGRES is set: CI sets it).
@Suite(.serialized) struct ServerDatabaseTests {
    let now: Int64 = 1_764_072_000
    var today: ExposureDay { ExposureDay(unixSeconds: now) }

    func service(_ database: any ServerDatabase) -> RegistrationService {
        RegistrationService(database: database, secret: SymmetricKey(size: .bits256), settings: .init(regions: ["440"]))
    }

    /// A fresh database of `backend` and a registration service over it, closed when `body` ends.
    func withRegistration(_ backend: Backend, _ body: (any ServerDatabase, RegistrationService) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        do {
            try await body(database, service(database))
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test(arguments: Backend.available) func aNumberRegistersOnceAndARetryOfTheSameRequestIsAnsweredAgain(_ backend: Backend) async throws {
        try await withRegistration(backend) { database, registration in
            let issued = try await registration.issue(now: now)
            let request = submission(number: issued.processingNumber, keys: [key(day: today, seed: 1), key(day: today.adding(days: -1), seed: 2)],
                                     onset: today)
            #expect(try await registration.register(request, now: now + 60) == .registered(accepted: 2, dropped: 0))
            // The reply was lost: the agent sends the same request again and gets the same answer; nothing is stored twice.
            var again = request
            again.padding = "BBBB"
            #expect(try await registration.register(again, now: now + 120) == .registered(accepted: 2, dropped: 0))
            #expect(try await database.statistics() == ServerStatistics(openCases: 0, registeredCases: 1, pendingKeys: 2, publishedExports: 0))
            // The same number with another request (another idempotency key, other keys): used.
            let other = submission(number: issued.processingNumber, keys: [key(day: today, seed: 3)], onset: today)
            #expect(try await registration.register(other, now: now + 180) == .usedNumber)
            // After a registration no new number is issued for the case.
            await #expect(throws: RegistrationService.Failure.caseRegistered) { try await registration.reissue(caseID: issued.caseID, now: now + 200) }
            #expect(try await database.statistics().pendingKeys == 2)
        }
    }

    @Test(arguments: Backend.available) func unknownExpiredAndReplacedNumbersAreRefusedDistinctly(_ backend: Backend) async throws {
        try await withRegistration(backend) { database, registration in
            let keys = [key(day: today, seed: 1)]
            let unknown = issuedNumberOtherThan(try await registration.issue(now: now).processingNumber)
            #expect(try await registration.register(submission(number: unknown, keys: keys, onset: today), now: now) == .unknownNumber)
            let expiring = try await registration.issue(now: now)
            #expect(try await registration.register(submission(number: expiring.processingNumber, keys: keys, onset: today), now: now + 3_600) == .expiredNumber)
            // Reissued: the old number stops working (it reads as expired), the new one works.
            let first = try await registration.issue(now: now)
            let second = try await registration.reissue(caseID: first.caseID, now: now + 10)
            #expect(second.reissuesLeft == 3 && second.processingNumber != first.processingNumber)
            #expect(try await registration.register(submission(number: first.processingNumber, keys: keys, onset: today), now: now + 20) == .expiredNumber)
            #expect(try await registration.register(submission(number: second.processingNumber, keys: keys, onset: today), now: now + 20)
                    == .registered(accepted: 1, dropped: 0))
            #expect(try await database.statistics().pendingKeys == 1)
        }
    }

    @Test(arguments: Backend.available) func anExpiredUnusedNumberIsReissuedAutomaticallyFourTimesNeverAfterARegistration(_ backend: Backend) async throws {
        try await withRegistration(backend) { _, registration in
            let idle = try await registration.issue(now: now)
            let registered = try await registration.issue(now: now)
            #expect(try await registration.register(submission(number: registered.processingNumber, keys: [key(day: today, seed: 1)], onset: today), now: now + 60)
                    == .registered(accepted: 1, dropped: 0))
            #expect(try await registration.reissueExpired(now: now + 3_599).isEmpty, "still valid: nothing to reissue")
            var moment = now + 3_600
            var current = idle
            for left in [3, 2, 1, 0] {
                let reissued = try await registration.reissueExpired(now: moment)
                #expect(reissued.map(\.caseID) == [idle.caseID] && reissued.first?.reissuesLeft == left, "\(reissued)")
                #expect(try await registration.reissueExpired(now: moment).isEmpty, "one new number per expiry")
                let next = try #require(reissued.first)
                #expect(next.processingNumber != current.processingNumber && next.expiresAt == moment + 3_600)
                current = next
                moment += 3_600
            }
            #expect(try await registration.reissueExpired(now: moment).isEmpty, "four reissues, no fifth")
            // The last number still registers until it expires.
            #expect(try await registration.register(submission(number: current.processingNumber, keys: [key(day: today, seed: 2)], onset: today), now: moment - 1)
                    == .registered(accepted: 1, dropped: 0))
        }
    }

    /// Every instance runs the automatic reissue; run at the same moment by three instances, a case
    /// whose number expired still gets one new number (one SMS), not three.
    @Test(arguments: Backend.available) func threeInstancesReissueAnExpiredNumberOnce(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let first = try await backend.open(in: directory)
        let secret = SymmetricKey(size: .bits256)
        let databases = [first, try await backend.open(again: first), try await backend.open(again: first)]
        let services = databases.map { RegistrationService(database: $0, secret: secret, settings: .init(regions: ["440"])) }
        var cases: [String] = []
        for _ in 0..<20 { cases.append(try await services[0].issue(now: now).caseID) }
        for round in 0..<3 {
            let moment = now + 3_600 * Int64(round + 1)
            let reissued = try await withThrowingTaskGroup(of: [RegistrationService.IssuedNumber].self) { group in
                for service in services { group.addTask { try await service.reissueExpired(now: moment) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(reissued.count == 20 && Set(reissued.map(\.caseID)) == Set(cases), "round \(round): \(reissued.count) numbers for 20 cases")
        }
        for database in databases { await database.close() }
    }

    /// Instances sharing a database must share the secrets: the first records their fingerprints,
    /// one with other secrets is refused with both fingerprints named.
    @Test(arguments: Backend.available) func anInstanceWithOtherSecretsIsRefused(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        func secrets(in folder: String) throws -> (ServerSecrets, ServerConfiguration) {
            var configuration = ServerConfiguration()
            configuration.dataDirectory = "\(directory.path)/\(folder)"
            _ = try ServerSecrets.create(configuration)
            return (try ServerSecrets.load(configuration), configuration)
        }
        let (mine, configuration) = try secrets(in: "a")
        try await mine.claim(database, configuration: configuration)
        try await mine.claim(database, configuration: configuration)
        let (other, otherConfiguration) = try secrets(in: "b")
        do {
            try await other.claim(database, configuration: otherConfiguration)
            Issue.record("other secrets were accepted")
        } catch {
            #expect(error.description.contains("another number secret") && error.description.contains(mine.fingerprints["number_secret"] ?? "?"))
        }
        // Copied secrets are the same secrets.
        var copied = otherConfiguration
        copied.secretSettings = [.numberSecret: configuration.numberSecretFile, .signingKey: configuration.signingKeyFile,
                                 .adminToken: configuration.adminTokenFile]
        try await ServerSecrets.load(copied).claim(database, configuration: copied)
        // A signing-key rotation: a new key under a new version is recorded beside the old one.
        var rotated = copied
        rotated.keyVersion = "v2"
        rotated.secretSettings[.signingKey] = otherConfiguration.signingKeyFile
        try await ServerSecrets.load(rotated).claim(database, configuration: rotated)
        var wrongVersion = rotated
        wrongVersion.keyVersion = "v1"
        await #expect(throws: ServerError.self) { try await ServerSecrets.load(wrongVersion).claim(database, configuration: wrongVersion) }
    }

    @Test func aDeliveryCommandGetsTheNumberInItsEnvironment() async throws {
        let directory = TemporaryDirectory()
        let out = "\(directory.path)/delivered"
        let number = RegistrationService.IssuedNumber(caseID: "c1", processingNumber: "12345678", expiresAt: 99, reissuesLeft: 2)
        let delivery = NumberDelivery(command: "echo \"$BLEAGENT_CASE_ID $BLEAGENT_PROCESSING_NUMBER $BLEAGENT_EXPIRES_AT $BLEAGENT_REISSUES_LEFT\" > \(out)")
        #expect(await delivery.deliver(number, logger: Logger(label: "test")))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "c1 12345678 99 2\n")
        #expect(await NumberDelivery(command: "exit 3").deliver(number, logger: Logger(label: "test")) == false)
    }

    @Test(arguments: Backend.available) func anUnusedNumberIsReissuedFourTimesAtMost(_ backend: Backend) async throws {
        try await withRegistration(backend) { _, registration in
            let issued = try await registration.issue(now: now)
            for left in (0..<4).reversed() {
                #expect(try await registration.reissue(caseID: issued.caseID, now: now).reissuesLeft == left)
            }
            await #expect(throws: RegistrationService.Failure.reissueLimit(4)) { try await registration.reissue(caseID: issued.caseID, now: now) }
            await #expect(throws: RegistrationService.Failure.unknownCase) { try await registration.reissue(caseID: "nope", now: now) }
        }
    }

    @Test(arguments: Backend.available) func anExportClaimsEachKeyOnceAndFinishingDeletesThem(_ backend: Backend) async throws {
        try await withRegistration(backend) { database, registration in
            for seed in 0..<3 {
                let issued = try await registration.issue(now: now)
                _ = try await registration.register(submission(number: issued.processingNumber, keys: [key(day: today.adding(days: -1), seed: UInt64(seed)),
                                                                                                        key(day: today, seed: UInt64(seed + 10))], onset: today), now: now)
            }
            // Yesterday's keys have ended; today's have not.
            let cutoff = today.firstInterval?.rawValue ?? 0
            #expect(try await database.exportableDays(region: "440", endedBy: cutoff) == [today.adding(days: -1)])
            #expect(try await database.acquireExportLease(holder: "a", seconds: 60) == .acquired)
            #expect(try await database.acquireExportLease(holder: "b", seconds: 60) != .acquired)
            let record = try #require(try await database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000,
                                                                     holder: "a", padding: { real in Array(real.prefix(1)) }))
            #expect(record.keyCount == 3)
            #expect(try await database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000,
                                                   holder: "a", padding: { _ in [] }) == nil)
            await #expect(throws: ServerError.leaseLost("b")) {
                _ = try await database.beginExport(region: "440", day: today, endedBy: .max, createdMillis: now * 1_000, holder: "b", padding: { _ in [] })
            }
            #expect(try await database.unfinishedExports() == [record])
            let content = try await database.content(ofExport: record.id)
            #expect(Set(content.keys.map(\.keyData)) == Set((0..<3).map { key(day: today, seed: UInt64($0)).keyData }))
            #expect(content.padding.count == 1)
            let file = PublishedFile(path: "440/\(record.fileName)", data: Data("zip".utf8), contentType: "application/zip")
            #expect(try await database.publishExport(id: record.id, file: file, holder: "a"))
            #expect(try await database.publishExport(id: record.id, file: file, holder: "a") == false)
            #expect(try await database.publishedFile(path: file.path) == file)
            #expect(try await database.content(ofExport: record.id) == ExportContent(keys: [], padding: []))
            #expect(try await database.unfinishedExports() == [])
            #expect(try await database.publishedExports(region: "440") == [record])
            #expect(try await database.statistics().pendingKeys == 3)   // today's, still embargoed
            #expect(try await database.removeExports(createdBefore: now * 1_000 + 1, holder: "a") == [record])
            #expect(try await database.publishedFile(path: file.path) == nil)
            #expect(try await database.publishedExports(region: "440") == [])
        }
    }

    func issuedNumberOtherThan(_ number: String) -> String {
        var candidate = ProcessingNumber.generate().text
        while candidate == number { candidate = ProcessingNumber.generate().text }
        return candidate
    }
}
