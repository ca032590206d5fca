import Crypto
import ExposureNotification
import Foundation
import TestSupport


/// Signing keys for tests (deterministic randomness: `SeededGenerator` in TestSupport).
enum TestKeys {
    static let signingKey = P256.Signing.PrivateKey()
    static var signer: ExportWriter.Signer { ExportWriter.Signer(privateKey: signingKey, keyID: "310", keyVersion: "v1") }
    static var keyring: VerificationKeyring {
        VerificationKeyring([.init(id: "310", version: "v1", publicKey: signingKey.publicKey)])
    }

    static func randomKeys(count: Int, day: ExposureDay, seed: UInt64) -> [TemporaryExposureKey] {
        var rng = SeededGenerator(seed: seed)
        let start = day.firstInterval ?? ENIntervalNumber(rawValue: 0)
        return (0..<count).map { _ in TemporaryExposureKey.generate(for: start, using: &rng) }
    }
}
