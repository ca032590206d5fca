@testable import BLEAgent
import BlueZ
import ContactStore
import DBus
import ExposureNotification
import Foundation
import Logging
import Testing
import TestSupport

/// The recorder with a fake radio and a fake store: batches are stored, empty ones skipped; a radio
/// that stops with an error and a store that refuses a batch are both kept for `status`, not swallowed.
struct RecorderTests {
    /// A radio that hands over the batches it is given and, when told to, stops with an error.
    final class FakeRadio: RadioSource, @unchecked Sendable {
        let sightings: AsyncStream<[Sighting]>
        let feed: AsyncStream<[Sighting]>.Continuation
        let stop: AsyncStream<DBusError?>.Continuation
        private let stops: AsyncStream<DBusError?>

        init() {
            (sightings, feed) = AsyncStream.makeStream()
            (stops, stop) = AsyncStream.makeStream()
        }

        var status: RadioStatus { get async { RadioStatus() } }

        func run() async throws(DBusError) {
            for await outcome in stops {
                if let outcome { throw outcome }
                return
            }
        }
    }

    actor Store: SightingStore {
        var batches: [[Sighting]] = []
        var refuseNext = false

        func refuse() { refuseNext = true }

        func record(_ sightings: [Sighting], now: Int64) async throws(StoreError) -> ContactStore.IngestResult {
            if refuseNext {
                refuseNext = false
                throw .io("disk full")
            }
            batches.append(sightings)
            var result = ContactStore.IngestResult()
            result.stored = sightings.count
            return result
        }
    }

    static func sighting(_ n: UInt64) -> Sighting {
        Sighting(rpi: RollingProximityIdentifier(Block16(lo: n, hi: 1)), aem: AssociatedEncryptedMetadata(rawValue: 0),
                 time: 1_772_366_400, rssiMax: -60, rssiMean: -60, secondsSinceLastScan: 240)
    }

    @Test func storesBatchesAndKeepsARefusalUntilTheNextBatchIsStored() async throws {
        let recorder = Recorder(logger: Logger(label: "test"), now: { 1_772_366_400 })
        let radio = FakeRadio()
        let store = Store()
        await recorder.start(radio, into: store)
        radio.feed.yield([Self.sighting(1), Self.sighting(2)])
        radio.feed.yield([])
        #expect(await eventually { await store.batches.count == 1 })
        await store.refuse()
        radio.feed.yield([Self.sighting(3)])
        #expect(await eventually { await recorder.storeError != nil })
        #expect(await recorder.storeError?.contains("disk full") == true)
        radio.feed.yield([Self.sighting(4)])
        #expect(await eventually { await store.batches.count == 2 })
        #expect(await eventually { await recorder.storeError == nil })
        #expect(await store.batches.map(\.count) == [2, 1])
        radio.stop.yield(nil)
        await recorder.stop()
    }

    @Test func aRadioThatStopsWithAnErrorIsKeptForStatus() async throws {
        let recorder = Recorder(logger: Logger(label: "test"), now: { 1_772_366_400 })
        let radio = FakeRadio()
        await recorder.start(radio, into: Store())
        #expect(await recorder.radioFailure == nil)
        radio.stop.yield(DBusError.disconnected("the bus went away"))
        #expect(await eventually { await recorder.radioFailure != nil })
        #expect(await recorder.radioFailure?.contains("the bus went away") == true)
        radio.feed.finish()
        await recorder.stop()
    }
}
