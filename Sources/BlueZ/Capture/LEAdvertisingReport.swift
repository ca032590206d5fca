import ExposureNotification

/// The advertising reports in one HCI event: LE Meta (0x3E) with subevent LE Advertising Report
/// (0x02) or LE Extended Advertising Report (0x0D). Reports follow one another, each laid out as
/// the kernel reads them (Core spec vol 4 part E §7.7.65.2 and .13):
/// - legacy: event type (1), address type (1), address (6), data length (1), data, RSSI (1);
/// - extended: event type (2), address type (1), address (6), primary PHY, secondary PHY, SID, TX
///   power, RSSI (1 each), periodic interval (2), direct address type (1), direct address (6), data
///   length (1), data. Only complete data (event type bits 5–6 zero) is taken.
/// RSSI 127 means "not available": such a report is skipped. Pure.
public struct LEAdvertisingReport: Sendable, Hashable {
    /// The advertising data (AD structures) as sent over the air.
    public var data: [UInt8]
    /// dBm, −127…20.
    public var rssi: Int
    public var extended: Bool

    /// The reports an event holds: empty for any other event. Throws when the event's own lengths
    /// do not add up (a controller never sends that; a damaged or forged capture might).
    public static func reports(inEvent event: [UInt8]) throws(BtsnoopError.Problem) -> [LEAdvertisingReport] {
        guard event.count >= 3, event[0] == 0x3E else { return [] }
        switch event[2] {
        case 0x02: return try legacy(event, from: 3)
        case 0x0D: return try extended(event, from: 3)
        default: return []
        }
    }

    /// The GAEN payload (0xFD6F service data: RPI + AEM), if the advertising data carries exactly
    /// one well-formed one. The 0xFD6F UUID list is not required (not every phone sends it).
    public var exposureNotification: AdvertisementPayload? {
        try? AdvertisementPayload(advertisingData: data)
    }

    private static func legacy(_ event: [UInt8], from start: Int) throws(BtsnoopError.Problem) -> [LEAdvertisingReport] {
        var cursor = Cursor(bytes: event, offset: start)
        let count = try cursor.byte("number of reports")
        var reports: [LEAdvertisingReport] = []
        for _ in 0..<count {
            try cursor.skip(8, "report header")
            let length = Int(try cursor.byte("data length"))
            let data = try cursor.take(length, "advertising data")
            let rssi = Int(Int8(bitPattern: try cursor.byte("RSSI")))
            if rssi != 127 { reports.append(LEAdvertisingReport(data: data, rssi: rssi, extended: false)) }
        }
        return reports
    }

    private static func extended(_ event: [UInt8], from start: Int) throws(BtsnoopError.Problem) -> [LEAdvertisingReport] {
        var cursor = Cursor(bytes: event, offset: start)
        let count = try cursor.byte("number of reports")
        var reports: [LEAdvertisingReport] = []
        for _ in 0..<count {
            let type = UInt16(try cursor.byte("event type")) | UInt16(try cursor.byte("event type")) << 8
            try cursor.skip(11, "report header")   // address type, address, PHYs, SID, TX power
            let rssi = Int(Int8(bitPattern: try cursor.byte("RSSI")))
            try cursor.skip(9, "report header")
            let length = Int(try cursor.byte("data length"))
            let data = try cursor.take(length, "advertising data")
            let complete = (type >> 5) & 0b11 == 0
            if complete && rssi != 127 { reports.append(LEAdvertisingReport(data: data, rssi: rssi, extended: true)) }
        }
        return reports
    }

    /// Bounds-checked reading through an event.
    private struct Cursor {
        let bytes: [UInt8]
        var offset: Int

        mutating func byte(_ what: String) throws(BtsnoopError.Problem) -> UInt8 {
            guard offset < bytes.count else { throw .malformedEvent("advertising report cut short in its \(what)") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func skip(_ count: Int, _ what: String) throws(BtsnoopError.Problem) {
            guard count <= bytes.count - offset else { throw .malformedEvent("advertising report cut short in its \(what)") }
            offset += count
        }

        mutating func take(_ count: Int, _ what: String) throws(BtsnoopError.Problem) -> [UInt8] {
            guard count <= bytes.count - offset else { throw .malformedEvent("advertising report cut short in its \(what)") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
    }
}
