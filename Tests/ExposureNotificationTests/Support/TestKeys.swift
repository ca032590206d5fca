import Crypto
import ExposureNotification
import Foundation

/// Deterministic randomness and signing keys for tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
