@testable import ContactStore
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// Anyone can broadcast random RPIs: the distinct RPIs kept per day are capped, the rest counted.
struct FloodTests {
    @Test func capsDistinctRPIsPerDayAndCountsTheRest() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(cap: 1_000), now: Sample.noon)
        var total = ContactStore.IngestResult()
        for batch in 0..<15 {
            let result = try await store.record(Sample.sightings(UInt64(batch * 100)..<UInt64(batch * 100 + 100), time: Sample.noon), now: Sample.noon)
            total.stored += result.stored
            total.droppedByCap += result.droppedByCap
        }
        #expect(total.stored == 1_000 && total.droppedByCap == 500)
        // Known RPIs are still recorded at the cap (a real contact heard again is never dropped).
        let again = try await store.record(Sample.sightings(0..<50, time: Sample.noon + 240), now: Sample.noon + 240)
        #expect(again.stored == 50 && again.droppedByCap == 0)
        let stats = try await store.statistics(now: Sample.noon + 240)
        #expect(stats.days.count == 1)
        #expect(stats.days[0].rpis == 1_000 && stats.days[0].dropped == 500 && stats.days[0].sightings == 1_050)
        #expect(stats.rpiCapPerDay == 1_000)
        // The next day starts a new count.
        let tomorrow = Sample.noon + 86_400
        #expect(try await store.record(Sample.sightings(5_000..<5_100, time: tomorrow), now: tomorrow).stored == 100)
    }

    @Test func theCountSurvivesARestart() async throws {
        let temp = TemporaryDirectory()
        do {
            let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(cap: 300), now: Sample.noon)
            defer { store.close() }
            #expect(try await store.record(Sample.sightings(0..<200, time: Sample.noon), now: Sample.noon).stored == 200)
        }
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(cap: 300), now: Sample.noon)
        let result = try await store.record(Sample.sightings(150..<350, time: Sample.noon), now: Sample.noon)
        #expect(result.stored == 150 && result.droppedByCap == 50)
    }

    @Test func aFloodDoesNotGrowTheDiskWithoutBound() async throws {
        let temp = TemporaryDirectory()
        let store = try await ContactStore.open(temp.store, configuration: Sample.configuration(cap: 2_000), now: Sample.noon)
        _ = try await store.record(Sample.sightings(0..<2_000, time: Sample.noon), now: Sample.noon)
        let atCap = temp.store.sizeOnDisk()
        for batch in 1...20 {
            let range = UInt64(batch * 10_000)..<UInt64(batch * 10_000 + 2_000)
            #expect(try await store.record(Sample.sightings(range, time: Sample.noon), now: Sample.noon).droppedByCap == 2_000)
        }
        _ = try await store.expire(now: Sample.noon)
        // 40,000 flooded RPIs later the files hold what the cap allows (plus counters), not 20× more.
        #expect(temp.store.sizeOnDisk() < atCap * 2, "\(temp.store.sizeOnDisk()) vs \(atCap)")
        #expect(try await store.statistics(now: Sample.noon).totalDropped == 40_000)
    }
}
