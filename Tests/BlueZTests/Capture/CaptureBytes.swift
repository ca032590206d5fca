import ExposureNotification
import Foundation

/// Hand-built btsnoop captures for the capture tests: the header, records, and the HCI events of
/// LE advertising reports, each written from the layouts in `BtsnoopReader` and `LEAdvertisingReport`.
struct CaptureBytes {
    static let epochOffset: UInt64 = 0x00DC_DDB3_0F2F_8000
    var bytes: [UInt8]

    init(datalink: UInt32, version: UInt32 = 1) {
        bytes = Array("btsnoop".utf8) + [0] + Self.be32(version) + Self.be32(datalink)
    }

    var data: Data { Data(bytes) }

    /// A record; `time` in Unix seconds.
    mutating func record(flags: UInt32, time: Double, _ packet: [UInt8], original: UInt32? = nil, included: UInt32? = nil) {
        let stamp = Self.epochOffset + UInt64(time * 1_000_000)
        bytes += Self.be32(original ?? UInt32(packet.count)) + Self.be32(included ?? UInt32(packet.count)) + Self.be32(flags)
            + Self.be32(0) + Self.be64(stamp) + packet
    }

    /// An HCI event as btmon's monitor records it (opcode 3) on controller `index`.
    mutating func monitorEvent(_ event: [UInt8], index: UInt16 = 0, time: Double) {
        record(flags: UInt32(index) << 16 | 3, time: time, event)
    }

    /// The same as an H4 log records it: received event, packet type 4 first.
    mutating func uartEvent(_ event: [UInt8], time: Double) {
        record(flags: 0b11, time: time, [0x04] + event)
    }

    static func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    static func be64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    static func payload(_ byte: UInt8) -> AdvertisementPayload {
        AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: UInt64(byte), hi: 0)), aem: AssociatedEncryptedMetadata(rawValue: UInt32(byte)))
    }

    /// A phone's GAEN advertising data: flags, the 0xFD6F UUID list, the service data.
    static func gaenData(_ payload: AdvertisementPayload) -> [UInt8] { [0x02, 0x01, 0x1A] + payload.advertisingData }

    /// Some other beacon: manufacturer data only.
    static let otherData: [UInt8] = [0x02, 0x01, 0x06, 0x05, 0xFF, 0x4C, 0x00, 0x02, 0x15]

    /// LE Meta, LE Advertising Report, one report per (data, rssi).
    static func legacyEvent(_ reports: [(data: [UInt8], rssi: Int8)]) -> [UInt8] {
        var parameters: [UInt8] = [0x02, UInt8(reports.count)]
        for report in reports {
            parameters += [0x03, 0x01, 1, 2, 3, 4, 5, 0xC6, UInt8(report.data.count)] + report.data + [UInt8(bitPattern: report.rssi)]
        }
        return [0x3E, UInt8(parameters.count)] + parameters
    }

    /// LE Meta, LE Extended Advertising Report (legacy PDU bit set, data complete unless `status`).
    static func extendedEvent(_ data: [UInt8], rssi: Int8, status: UInt8 = 0) -> [UInt8] {
        let type: UInt16 = 0x0010 | UInt16(status) << 5
        var parameters: [UInt8] = [0x0D, 1, UInt8(type & 0xFF), UInt8(type >> 8), 0x01, 1, 2, 3, 4, 5, 0xC6]
        parameters += [0x01, 0x00, 0xFF, 0x7F, UInt8(bitPattern: rssi), 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(data.count)] + data
        return [0x3E, UInt8(parameters.count)] + parameters
    }
}
