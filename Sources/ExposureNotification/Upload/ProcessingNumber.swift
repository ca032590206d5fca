import Crypto
import Foundation

/// The 8-digit number a health centre gives a person who tested positive (COCOA's "processing
/// number"). 10^8 values: a plain hash of one is reversed in seconds, so the server stores only a
/// keyed hash (HMAC-SHA256 under its own secret) and never the number.
public struct ProcessingNumber: Hashable, Sendable, CustomStringConvertible {
    public static let digits = 8
    public static let space: UInt32 = 100_000_000

    public let text: String

    /// Accepts exactly 8 ASCII digits (spaces and dashes a person may type are removed first).
    public init?(_ input: String) {
        let cleaned = input.filter { $0 != " " && $0 != "-" }
        guard cleaned.count == Self.digits, cleaned.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        text = cleaned
    }

    /// A fresh number from `generator` (the system CSPRNG in production), uniform over 10^8 values.
    public static func generate(using generator: inout some RandomNumberGenerator) -> ProcessingNumber {
        let value = UInt32.random(in: 0..<space, using: &generator)   // rejection-sampled: no modulo bias
        let text = String(value)
        // Force-unwrap-free: a value below 10^8 always pads to 8 digits.
        return ProcessingNumber(unchecked: String(repeating: "0", count: digits - text.count) + text)
    }

    public static func generate() -> ProcessingNumber {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    private init(unchecked text: String) { self.text = text }

    /// The keyed hash stored in place of the number.
    public func keyedHash(secret: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: secret))
    }

    /// Never printed by accident: logs show that a number was used, not which.
    public var description: String { "********" }
}
