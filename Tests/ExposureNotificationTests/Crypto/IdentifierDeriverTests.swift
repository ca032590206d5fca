import Crypto
import ExposureNotification
import Foundation
import Testing
import TestSupport

/// The fast HKDF (six SHA-256 compressions over precomputed HMAC states) against swift-crypto's
/// generic HKDF, for many random keys.
struct FastHKDFTests {
    @Test func agreesWithSwiftCryptoHKDF() {
        var rng = SeededGenerator(seed: 42)
        let deriver = IdentifierDeriver()
        for _ in 0..<2_000 {
            let tek = Block16(lo: rng.next(), hi: rng.next())
            for (label, fast) in [("EN-RPIK", deriver.rollingProximityIdentifierKey(for: tek)),
                                  ("EN-AEMK", deriver.associatedEncryptedMetadataKey(for: tek))] {
                let reference = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: tek.bytes),
                                                       info: Data(label.utf8), outputByteCount: 16)
                #expect(reference.withUnsafeBytes { Array($0) } == fast.bytes)
            }
        }
    }

    @Test func batchAgreesWithSingleIdentifiersForPartialPeriods() {
        var rng = SeededGenerator(seed: 7)
        let deriver = IdentifierDeriver()
        for period in [1, 2, 77, 143, 144] {
            let tek = Block16(lo: rng.next(), hi: rng.next())
            let start = ENIntervalNumber(rawValue: 2_700_000 + UInt32(period))
            let batch = deriver.identifiers(for: tek, from: start, count: period)
            #expect(batch.count == period)
            for (offset, rpi) in batch.enumerated() {
                #expect(rpi == deriver.identifier(for: tek, at: ENIntervalNumber(rawValue: start.rawValue + UInt32(offset))))
            }
        }
    }
}
