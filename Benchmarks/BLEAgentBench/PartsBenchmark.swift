import ExposureNotification
import Foundation

/// The matcher's per-key parts measured alone on one core: HKDF (RPIK), AES over the key's 144
/// blocks (re-keyed per key), and both, against the same run's AES bound.
enum PartsBenchmark {
    static func run() {
        let keys = 1_000_000
        var rng = SplitMix64(seed: 1)
        let teks = (0..<keys).map { _ in Block16(lo: rng.next(), hi: rng.next()) }
        let deriver = IdentifierDeriver()
        var sink: UInt64 = 0

        var start = Bench.now()
        for tek in teks { sink ^= deriver.rollingProximityIdentifierKey(for: tek).lo }
        let hkdf = (Bench.now() - start) / Double(keys)

        start = Bench.now()
        for tek in teks {
            sink ^= deriver.withIdentifiers(rpik: tek, from: 2_650_000, count: 144) { $0.load(fromByteOffset: 2288, as: UInt64.self) }
        }
        let aes = (Bench.now() - start) / Double(keys)

        start = Bench.now()
        for tek in teks {
            let rpik = deriver.rollingProximityIdentifierKey(for: tek)
            sink ^= deriver.withIdentifiers(rpik: rpik, from: 2_650_000, count: 144) { $0.load(fromByteOffset: 2288, as: UInt64.self) }
        }
        let both = (Bench.now() - start) / Double(keys)
        let bound = AESBound.keysPerSecond()
        print("per key, one core (\(Bench.grouped(keys)) keys):")
        print("  HKDF (RPIK):              \(Bench.format(hkdf * 1e9, 0)) ns")
        print("  AES-ECB, 144 blocks:      \(Bench.format(aes * 1e9, 0)) ns (re-keyed per key)")
        print("  HKDF + AES:               \(Bench.format(both * 1e9, 0)) ns")
        print("  AES bound (same key):     \(Bench.format(1e9 / bound, 0)) ns")
        print("  (checksum \(sink & 0xff))")
    }
}
