/// Associated Encrypted Metadata: the 4 metadata bytes under AES-128-CTR(AEMK, IV = RPI).
/// Stored in wire order (byte 0 in the low byte).
public struct AssociatedEncryptedMetadata: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        rawValue = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: rawValue), UInt8(truncatingIfNeeded: rawValue >> 8),
         UInt8(truncatingIfNeeded: rawValue >> 16), UInt8(truncatingIfNeeded: rawValue >> 24)]
    }
}

extension AssociatedEncryptedMetadata: CustomStringConvertible {
    public var description: String { Hex.encode(bytes) }
}
