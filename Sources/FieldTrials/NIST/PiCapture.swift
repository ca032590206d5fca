/// One NIST Raspberry Pi's capture (`ContactTracingData_<d>cm_Device_<X>.csv`): every packet it
/// received from the other Pi, with time, RSSI and the packet's metadata TX power.
public struct PiCapture: Hashable, Sendable {
    public struct Packet: Hashable, Sendable {
        /// Unix seconds (fractional).
        public var time: Double
        public var rssi: Int
        /// dBm, the metadata's TX byte read as a signed number (`0c` = +12).
        public var txPower: Int
    }

    public var packets: [Packet]
    /// Rows kept out as the source's README says some are nonsense: an RSSI out of −127…20 dBm
    /// (`-4294967292`) or a version byte other than `40` (the fields shifted by a garbled RPI).
    public var discarded: Int

    /// The CSV with its header `Timestamp,MAC,RSSI,UUID,RPI,Version,TX_Power,Reserved`. A row of the
    /// wrong shape (field count, time, a non-number RSSI, non-hex metadata) is an error naming the line.
    public static func parse(_ text: String, file: String) throws(FieldDataError) -> PiCapture {
        var capture = PiCapture(packets: [], discarded: 0)
        var sawHeader = false
        for (index, raw) in text.textLines().enumerated() {
            let line = raw.trimmingWhitespace()
            guard !line.isEmpty else { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if !sawHeader {
                guard fields.first == "Timestamp", fields.count == 8 else {
                    throw FieldDataError(file: file, line: index + 1, "expected the header Timestamp,MAC,RSSI,UUID,RPI,Version,TX_Power,Reserved")
                }
                sawHeader = true
                continue
            }
            guard fields.count == 8 else { throw FieldDataError(file: file, line: index + 1, "\(fields.count) fields, expected 8") }
            guard let time = Double(fields[0]), time.isFinite, (0...4_000_000_000).contains(time) else {
                throw FieldDataError(file: file, line: index + 1, "timestamp \(fields[0]): expected Unix seconds")
            }
            guard let rssi = Int64(fields[2]) else { throw FieldDataError(file: file, line: index + 1, "RSSI \(fields[2]): expected a number") }
            guard fields[5].count == 2, let version = UInt8(fields[5], radix: 16),
                  fields[6].count == 2, let tx = UInt8(fields[6], radix: 16) else {
                throw FieldDataError(file: file, line: index + 1, "version and TX power must be one hex byte each")
            }
            guard (-127...20).contains(rssi), version == 0x40 else {
                capture.discarded += 1
                continue
            }
            capture.packets.append(Packet(time: time, rssi: Int(rssi), txPower: Int(Int8(bitPattern: tx))))
        }
        guard sawHeader else { throw FieldDataError(file: file, "empty: expected the CSV header and rows") }
        return capture
    }
}
