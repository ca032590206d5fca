import Crypto
import ExposureNotification
import Foundation
@testable import NotificationServer
import Testing

/// The registration and export rules, against each back-end (SQLite always, PostgreSQL when
/// $BLEAGENT_TEST_POSTGRES is set: CI sets it).
@Suite(.serialized) struct ServerDatabaseTests {
    let now: Int64 = 1_764_072_000
    var today: ExposureDay { ExposureDay(unixSeconds: now) }

    func service(_ database: any ServerDatabase) -> RegistrationService {
        RegistrationService(database: database, secret: SymmetricKey(size: .bits256), settings: .init(regions: ["440"]))
    }

    @Test(arguments: Backend.available) func aNumberRegistersOnceAndARetryOfTheSameRequestIsAnsweredAgain(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let registration = service(database)
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

    @Test(arguments: Backend.available) func unknownExpiredAndReplacedNumbersAreRefusedDistinctly(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let registration = service(database)
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

    @Test(arguments: Backend.available) func anUnusedNumberIsReissuedFourTimesAtMost(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let registration = service(database)
        let issued = try await registration.issue(now: now)
        for left in (0..<4).reversed() {
            #expect(try await registration.reissue(caseID: issued.caseID, now: now).reissuesLeft == left)
        }
        await #expect(throws: RegistrationService.Failure.reissueLimit(4)) { try await registration.reissue(caseID: issued.caseID, now: now) }
        await #expect(throws: RegistrationService.Failure.unknownCase) { try await registration.reissue(caseID: "nope", now: now) }
    }

    @Test(arguments: Backend.available) func anExportClaimsEachKeyOnceAndFinishingDeletesThem(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        defer { Task { await database.close() } }
        let registration = service(database)
        for seed in 0..<3 {
            let issued = try await registration.issue(now: now)
            _ = try await registration.register(submission(number: issued.processingNumber, keys: [key(day: today.adding(days: -1), seed: UInt64(seed)),
                                                                                                    key(day: today, seed: UInt64(seed + 10))], onset: today), now: now)
        }
        // Yesterday's keys have ended; today's have not.
        let cutoff = today.firstInterval?.rawValue ?? 0
        #expect(try await database.exportableDays(region: "440", endedBy: cutoff) == [today.adding(days: -1)])
        let record = try #require(try await database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000))
        #expect(record.keyCount == 3)
        #expect(try await database.beginExport(region: "440", day: today.adding(days: -1), endedBy: cutoff, createdMillis: now * 1_000) == nil)
        #expect(try await database.unfinishedExports() == [record])
        #expect(Set(try await database.keys(ofExport: record.id).map(\.keyData)) == Set((0..<3).map { key(day: today, seed: UInt64($0)).keyData }))
        try await database.finishExport(id: record.id)
        #expect(try await database.unfinishedExports() == [])
        #expect(try await database.publishedExports(region: "440") == [record])
        #expect(try await database.statistics().pendingKeys == 3)   // today's, still embargoed
        #expect(try await database.removeExports(createdBefore: now * 1_000 + 1) == [record])
        #expect(try await database.publishedExports(region: "440") == [])
    }

    func issuedNumberOtherThan(_ number: String) -> String {
        var candidate = ProcessingNumber.generate().text
        while candidate == number { candidate = ProcessingNumber.generate().text }
        return candidate
    }
}
