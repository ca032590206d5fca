import Foundation

/// Reads the HCI events out of a btsnoop capture, the HCI log `btmon -w` writes (and Android's HCI
/// snoop log). Layout, all big-endian: a 16-byte header ("btsnoop\0", version 1, datalink type),
/// then records of original length (4), included length (4), flags (4), cumulative drops (4),
/// timestamp (8, microseconds since 0000-01-01, the offset to Unix time being 0x00DCDDB30F2F8000)
/// and the included bytes. Datalinks:
/// - 2001, Linux monitor (btmon): flags = controller index << 16 | opcode; opcode 3 is an HCI event.
/// - 1002, HCI UART (H4): flags bit 1 set = command or event; the data starts with the H4 packet
///   type (4 = event). One controller (index 0).
/// - 1001, HCI unencapsulated: flags bits 0 and 1 set = a received event; no packet type byte.
///
/// Pure: works on bytes in memory (a mapped file), checks every length against what is there, copies
/// only the events (at most 257 bytes each) and stops with a `BtsnoopError` naming the record.
public struct BtsnoopReader {
    public enum Datalink: UInt32, Sendable {
        case hci = 1001
        case hciUART = 1002
        case linuxMonitor = 2001
    }

    /// One HCI event: event code, parameter length, parameters.
    public struct Event: Sendable, Hashable {
        /// The record it came from, counted from 1.
        public var record: Int
        /// The controller index (hciN); 0 in logs of one controller.
        public var controller: UInt16
        /// Unix seconds (microsecond resolution).
        public var time: Double
        public var bytes: [UInt8]
    }

    /// Microseconds from 0000-01-01 (btsnoop's epoch) to 1970-01-01.
    static let unixEpochOffset: UInt64 = 0x00DC_DDB3_0F2F_8000
    /// 2100-01-01 in Unix microseconds: later stamps are not a real clock's.
    static let latestMicroseconds: UInt64 = 4_102_444_800_000_000
    static let headerBytes = 16
    static let recordHeaderBytes = 24

    private let data: Data
    public let datalink: Datalink
    public let maximumRecords: Int
    private var offset: Int
    /// Records read so far.
    public private(set) var records = 0

    /// Checks the file header. `maximumRecords` bounds the work a hostile file can ask for.
    public init(_ data: Data, maximumRecords: Int = 50_000_000) throws(BtsnoopError) {
        self.data = data
        self.maximumRecords = maximumRecords
        guard data.count >= Self.headerBytes else {
            if data.starts(with: Array("btsnoop".utf8).prefix(data.count)) && !data.isEmpty {
                throw BtsnoopError(.truncated(needed: Self.headerBytes, available: data.count), record: nil)
            }
            throw BtsnoopError(.notBtsnoop, record: nil)
        }
        guard data.starts(with: Array("btsnoop".utf8) + [0]) else { throw BtsnoopError(.notBtsnoop, record: nil) }
        let version = Self.uint32(data, at: 8)
        guard version == 1 else { throw BtsnoopError(.unsupportedVersion(version), record: nil) }
        let type = Self.uint32(data, at: 12)
        guard let datalink = Datalink(rawValue: type) else { throw BtsnoopError(.unsupportedDatalink(type), record: nil) }
        self.datalink = datalink
        offset = Self.headerBytes
    }

    /// Whether `data` starts like a btsnoop file (for telling it from a text file).
    public static func isCapture(_ data: Data) -> Bool {
        data.starts(with: Array("btsnoop".utf8) + [0])
    }

    /// The next HCI event, skipping every other record; nil at the end of the file.
    public mutating func nextEvent() throws(BtsnoopError) -> Event? {
        while true {
            let available = data.count - offset
            if available == 0 { return nil }
            guard records < maximumRecords else { throw BtsnoopError(.tooManyRecords(limit: maximumRecords), record: records + 1) }
            records += 1
            let number = records
            guard available >= Self.recordHeaderBytes else {
                throw BtsnoopError(.truncated(needed: Self.recordHeaderBytes, available: available), record: number)
            }
            let original = Self.uint32(data, at: offset)
            let included = Self.uint32(data, at: offset + 4)
            let flags = Self.uint32(data, at: offset + 8)
            let stamp = Self.uint64(data, at: offset + 16)
            guard included <= original else {
                throw BtsnoopError(.includedLongerThanOriginal(included: included, original: original), record: number)
            }
            let start = offset + Self.recordHeaderBytes
            // `included` is at most 2^32 − 1: no overflow on a 64-bit Int.
            guard Int(included) <= data.count - start else {
                throw BtsnoopError(.truncated(needed: Int(included), available: data.count - start), record: number)
            }
            offset = start + Int(included)
            guard stamp >= Self.unixEpochOffset, stamp - Self.unixEpochOffset <= Self.latestMicroseconds else {
                throw BtsnoopError(.implausibleTime(stamp), record: number)
            }
            let time = Double(stamp - Self.unixEpochOffset) / 1_000_000
            let packet = start..<(start + Int(included))
            let event: (controller: UInt16, range: Range<Int>)?
            switch datalink {
            case .linuxMonitor:
                event = flags & 0xFFFF == 3 ? (UInt16(truncatingIfNeeded: flags >> 16), packet) : nil
            case .hciUART:
                event = flags & 0b10 != 0 && !packet.isEmpty && byte(packet.lowerBound) == 0x04
                    ? (0, (packet.lowerBound + 1)..<packet.upperBound) : nil
            case .hci:
                event = flags & 0b11 == 0b11 ? (0, packet) : nil
            }
            guard let event else { continue }
            let bytes = try eventBytes(event.range, record: number)
            return Event(record: number, controller: event.controller, time: time, bytes: bytes)
        }
    }

    /// An event's bytes, its parameter length checked against the record.
    private func eventBytes(_ range: Range<Int>, record: Int) throws(BtsnoopError) -> [UInt8] {
        guard range.count >= 2 else {
            throw BtsnoopError(.malformedEvent("\(range.count) bytes, shorter than an event header"), record: record)
        }
        let declared = Int(byte(range.lowerBound + 1))
        guard 2 + declared <= range.count else {
            throw BtsnoopError(.malformedEvent("parameter length \(declared) but \(range.count - 2) bytes in the record"), record: record)
        }
        let lower = data.startIndex + range.lowerBound
        return [UInt8](data[lower..<(lower + 2 + declared)])
    }

    private func byte(_ position: Int) -> UInt8 { data[data.startIndex + position] }

    static func uint32(_ data: Data, at position: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 { value = value << 8 | UInt32(data[data.startIndex + position + index]) }
        return value
    }

    static func uint64(_ data: Data, at position: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(data[data.startIndex + position + index]) }
        return value
    }
}
