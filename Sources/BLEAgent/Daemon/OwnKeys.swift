import ContactStore
import ExposureNotification
import Foundation
import Synchronization

/// This device's daily keys: today's and tomorrow's are kept in the store ahead of time, so the
/// radio never puts on air an identifier whose key is not durably stored (a positive user must be
/// able to share every key they broadcast). The radio reads them synchronously from here.
final class OwnKeys: Sendable {
    private let keys = Mutex<[ExposureDay: TemporaryExposureKey]>([:])
    private let deriver = Mutex(IdentifierDeriver())

    /// Loads what the store holds and creates (and stores) today's and tomorrow's keys if missing.
    func ensure(store: ContactStore, now: Double) async throws(StoreError) {
        let held = try await store.ownKeys(now: Int64(now))
        keys.withLock { cache in for key in held { cache[key.day] = key } }
        let today = ExposureDay(unixSeconds: Int64(now))
        for day in [today, today.adding(days: 1)] where keys.withLock({ $0[day] }) == nil {
            guard let start = day.firstInterval else { continue }
            let key = TemporaryExposureKey.generate(for: start)
            try await store.saveOwnKey(key, now: Int64(now))
            keys.withLock { $0[day] = key }
        }
        keys.withLock { cache in cache = cache.filter { $0.key >= today.adding(days: -ContactJudgement.retentionDays) } }
    }

    /// Forgets every key from memory (after a wipe).
    func clear() { keys.withLock { $0.removeAll() } }

    /// The advertisement for `interval`: RPI and AEM of the key of the interval's day.
    func payload(for interval: ENIntervalNumber, txPower: Int8) -> AdvertisementPayload {
        let key = keys.withLock { cache in
            if let key = cache[interval.day] { return key }
            // Should not happen (keys are stored a day ahead); an unstored key is still better than silence.
            let key = TemporaryExposureKey.generate(for: interval)
            cache[interval.day] = key
            return key
        }
        return deriver.withLock { $0.advertisement(tek: key.keyData, at: interval, txPower: txPower) }
    }
}
