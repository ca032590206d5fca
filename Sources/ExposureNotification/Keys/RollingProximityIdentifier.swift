/// A Rolling Proximity Identifier (COCOA's "contact code"): what a device broadcasts for one
/// 10-minute interval, AES-128(RPIK, "EN-RPI" ‖ 0×6 ‖ ENIntervalNumber little-endian).
public struct RollingProximityIdentifier: Hashable, Sendable {
    public var value: Block16

    @inlinable
    public init(_ value: Block16) { self.value = value }

    public init?(hex: String) {
        guard let value = Block16(hex: hex) else { return nil }
        self.value = value
    }

    /// The 16-byte plaintext block whose encryption under the RPIK is the RPI of `interval`.
    public static func paddedData(for interval: ENIntervalNumber) -> [UInt8] {
        var block: [UInt8] = Array("EN-RPI".utf8) + [UInt8](repeating: 0, count: 10)
        withUnsafeBytes(of: interval.rawValue.littleEndian) { raw in
            for index in 0..<4 { block[12 + index] = raw[index] }
        }
        return block
    }

    public var bytes: [UInt8] { value.bytes }
}

extension RollingProximityIdentifier: CustomStringConvertible {
    /// Hex, for explicit user output only; never write RPIs to logs.
    public var description: String { value.description }
}
