/// The 4 bytes of metadata a device encrypts into its AEM: a version byte, the advertised TX power
/// and two reserved bytes.
///
/// Version byte: bits 7–6 major, 5–4 minor, 3–2 calibration confidence (v1.1), 1–0 reserved.
/// v1.0 is `0x40`; v1.1 is `0x50 | confidence << 2`. Any minor of major 1 is accepted on receive.
public struct AssociatedMetadata: Hashable, Sendable {
    /// TX power bounds accepted on receive: the AEM is not authenticated, so anything outside is noise.
    public static let acceptedTxPower: ClosedRange<Int8> = -50...20

    public var majorVersion: UInt8
    public var minorVersion: UInt8
    /// 0…3 (v1.1 and later); 0 for v1.0.
    public var calibrationConfidence: UInt8
    /// Advertised TX power, dBm.
    public var txPower: Int8

    public init(txPower: Int8, minorVersion: UInt8 = 0, calibrationConfidence: UInt8 = 0) {
        self.majorVersion = 1
        self.minorVersion = minorVersion & 0x3
        self.calibrationConfidence = minorVersion == 0 ? 0 : calibrationConfidence & 0x3
        self.txPower = txPower
    }

    /// v1.0 metadata for `txPower`.
    public static func version1_0(txPower: Int8) -> AssociatedMetadata {
        AssociatedMetadata(txPower: txPower)
    }

    /// v1.1 metadata for `txPower` with a calibration confidence 0…3.
    public static func version1_1(txPower: Int8, calibrationConfidence: UInt8) -> AssociatedMetadata {
        AssociatedMetadata(txPower: txPower, minorVersion: 1, calibrationConfidence: calibrationConfidence)
    }

    public var versionByte: UInt8 { majorVersion << 6 | minorVersion << 4 | calibrationConfidence << 2 }

    /// The 4 plaintext bytes.
    public var bytes: [UInt8] { [versionByte, UInt8(bitPattern: txPower), 0, 0] }

    /// The 4 bytes as a value in wire order (byte 0 in the low byte).
    public var rawValue: UInt32 {
        UInt32(versionByte) | UInt32(UInt8(bitPattern: txPower)) << 8
    }

    public enum DecodingError: Error, Equatable, CustomStringConvertible {
        case unsupportedMajorVersion(UInt8)
        case txPowerOutOfRange(Int8)
        case wrongLength(Int)

        public var description: String {
            switch self {
            case .unsupportedMajorVersion(let major):
                "metadata major version \(major) is not supported (only 1)"
            case .txPowerOutOfRange(let power):
                "metadata TX power \(power) dBm is outside \(AssociatedMetadata.acceptedTxPower.lowerBound)…\(AssociatedMetadata.acceptedTxPower.upperBound) dBm"
            case .wrongLength(let length):
                "metadata must be 4 bytes, got \(length)"
            }
        }
    }

    /// Decodes received (decrypted) metadata, enforcing the major version and TX power bounds.
    public init(decoding raw: UInt32) throws(DecodingError) {
        let version = UInt8(truncatingIfNeeded: raw)
        let major = version >> 6
        guard major == 1 else { throw .unsupportedMajorVersion(major) }
        let power = Int8(bitPattern: UInt8(truncatingIfNeeded: raw >> 8))
        guard Self.acceptedTxPower.contains(power) else { throw .txPowerOutOfRange(power) }
        self.majorVersion = major
        self.minorVersion = (version >> 4) & 0x3
        self.calibrationConfidence = minorVersion == 0 ? 0 : (version >> 2) & 0x3
        self.txPower = power
    }

    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count == 4 else { throw .wrongLength(bytes.count) }
        try self.init(decoding: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }
}
