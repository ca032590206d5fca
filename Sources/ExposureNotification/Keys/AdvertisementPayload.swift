/// What an Exposure Notification beacon carries: the RPI and AEM as 16-bit service data for UUID
/// 0xFD6F, beside a complete list of 16-bit service UUIDs naming 0xFD6F.
///
/// Encoding produces the legacy advertising data (without Flags: the Linux kernel adds them for a
/// broadcast advertisement). Decoding accepts any well-formed AD structure list, with or without
/// Flags (Android omits them), and ignores structures it does not need.
public struct AdvertisementPayload: Hashable, Sendable {
    /// The Exposure Notification service UUID, 16-bit.
    public static let serviceUUID: UInt16 = 0xFD6F
    /// The same UUID in the 128-bit form BlueZ uses on D-Bus.
    public static let serviceUUIDString = "0000fd6f-0000-1000-8000-00805f9b34fb"
    /// Bytes of service data after the UUID: RPI (16) + AEM (4).
    public static let serviceDataLength = 20

    public var rpi: RollingProximityIdentifier
    public var aem: AssociatedEncryptedMetadata

    public init(rpi: RollingProximityIdentifier, aem: AssociatedEncryptedMetadata) {
        self.rpi = rpi
        self.aem = aem
    }

    /// The 20 service-data bytes (without the UUID), as BlueZ's `ServiceData` dictionary holds them.
    public var serviceData: [UInt8] { rpi.bytes + aem.bytes }

    /// Reads the 20 service-data bytes (without the UUID).
    public init(serviceData: [UInt8]) throws(DecodingError) {
        guard serviceData.count == Self.serviceDataLength else {
            throw .wrongServiceDataLength(serviceData.count)
        }
        guard let rpi = Block16(bytes: serviceData[0..<16]),
              let aem = AssociatedEncryptedMetadata(bytes: Array(serviceData[16..<20]))
        else { throw .wrongServiceDataLength(serviceData.count) }
        self.init(rpi: RollingProximityIdentifier(rpi), aem: aem)
    }

    /// Legacy advertising data: `03 03 6F FD` then `17 16 6F FD` + RPI + AEM (28 bytes).
    public var advertisingData: [UInt8] {
        [0x03, 0x03, 0x6F, 0xFD, 0x17, 0x16, 0x6F, 0xFD] + serviceData
    }

    /// Finds the 0xFD6F service data in raw advertising data (a list of AD structures).
    public init(advertisingData data: [UInt8]) throws(DecodingError) {
        var offset = 0
        var found: [UInt8]?
        while offset < data.count {
            let length = Int(data[offset])
            if length == 0 { break }  // the rest is padding
            guard offset + 1 + length <= data.count else { throw .truncatedStructure(offset: offset) }
            let type = data[offset + 1]
            let body = Array(data[(offset + 2)..<(offset + 1 + length)])
            if type == 0x16, body.count >= 2, UInt16(body[0]) | UInt16(body[1]) << 8 == Self.serviceUUID {
                guard found == nil else { throw .duplicateServiceData }
                found = Array(body.dropFirst(2))
            }
            offset += 1 + length
        }
        guard let serviceData = found else { throw .noExposureNotificationServiceData }
        try self.init(serviceData: serviceData)
    }

    public enum DecodingError: Error, Equatable, CustomStringConvertible {
        case wrongServiceDataLength(Int)
        case truncatedStructure(offset: Int)
        case duplicateServiceData
        case noExposureNotificationServiceData

        public var description: String {
            switch self {
            case .wrongServiceDataLength(let length):
                "0xFD6F service data must be 20 bytes (RPI + AEM), got \(length)"
            case .truncatedStructure(let offset):
                "advertising data is truncated: the AD structure at byte \(offset) runs past the end"
            case .duplicateServiceData:
                "advertising data carries 0xFD6F service data twice"
            case .noExposureNotificationServiceData:
                "advertising data carries no 0xFD6F service data"
            }
        }
    }
}
