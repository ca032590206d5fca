/// Reads a `DumpsysLog` from its text. Lines before the first section (the file's preamble) are
/// skipped; inside `Flags:`, `Advertisement records:` and `Sighting records:` every line must have
/// the section's shape, or the error names the file and line. Fields are separated by tabs or
/// spaces (both occur).
public enum DumpsysParser {
    public static func parse(_ text: String, file: String) throws(FieldDataError) -> DumpsysLog {
        enum Section { case preamble, flags, advertisements, sightings }
        var section = Section.preamble
        var log = DumpsysLog()
        for (index, raw) in text.textLines().enumerated() {
            let line = raw.trimmingWhitespace()
            let number = index + 1
            func fail(_ reason: String) -> FieldDataError { FieldDataError(file: file, line: number, reason) }
            switch line {
            case "Flags:": section = .flags; continue
            case "Advertisement records:": section = .advertisements; continue
            case "Sighting records:": section = .sightings; continue
            case "": continue
            default: break
            }
            switch section {
            case .preamble:
                continue
            case .flags:
                let parts = line.split(separator: "=").map { $0.trimmingWhitespace() }
                guard parts.count == 2 else { throw fail("expected `name = value` in Flags") }
                switch parts[0] {
                case "rssi_offset":
                    guard let value = Int(parts[1]), (-100...100).contains(value) else { throw fail("rssi_offset \(parts[1]): expected −100…100") }
                    log.rssiOffset = value
                case "tx_calibration_power":
                    guard let value = Int(parts[1]), (-127...127).contains(value) else { throw fail("tx_calibration_power \(parts[1]): expected −127…127") }
                    log.txCalibrationPower = value
                default:
                    continue
                }
            case .advertisements:
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let rpi = value(of: "RPI=", in: fields) else { throw fail("advertisement record without RPI=") }
                if rpi == "fake" {
                    log.fakeAdvertisements += 1
                    continue
                }
                guard isRPI(rpi) else { throw fail("RPI \(rpi): expected 32 hex digits") }
                guard let power = fields.first(where: { $0.hasPrefix("txPower=") }).map({ $0.dropFirst(8).filter { $0 != ")" } }),
                      let tx = Int(power), (-127...127).contains(tx) else { throw fail("advertisement record without txPower=N") }
                log.advertisements.append(.init(rpi: rpi.uppercased(), txPower: tx))
            case .sightings:
                if line.hasPrefix("RPI=") {
                    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                    guard let rpi = value(of: "RPI=", in: fields), isRPI(rpi) else { throw fail("sighting record: expected RPI=<32 hex digits>") }
                    log.sightings.append(.init(rpi: rpi.uppercased(), scans: []))
                    continue
                }
                guard !log.sightings.isEmpty else { throw fail("scan line before any RPI= line") }
                let (scan, discarded, offset) = try scanLine(line, fail: fail)
                log.discardedReadings += discarded
                log.utcOffsets.insert(offset)
                if let scan { log.sightings[log.sightings.count - 1].scans.append(scan) }
            }
        }
        return log
    }

    /// `2021-02-22T10:12:20-05 (4s) rssi=[-67, -66]`, the length may be `?s`; the scan (nil when no
    /// reading was in range), how many readings were out of range, and the UTC offset written.
    static func scanLine(_ line: Substring, fail: (String) -> FieldDataError) throws(FieldDataError) -> (DumpsysLog.Scan?, Int, Int) {
        guard let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")"), open < close,
              let (start, offset) = TrialTimestamp.parse(line[..<open].trimmingWhitespace()) else {
            throw fail("expected `TIME (Ns) rssi=[…]`")
        }
        let length = line[line.index(after: open)..<close]
        guard length.hasSuffix("s") else { throw fail("scan length \(length): expected Ns or ?s") }
        var seconds: Int?
        if length != "?s" {
            guard let value = Int(length.dropLast()), (0...3600).contains(value) else { throw fail("scan length \(length): expected 0…3600 s") }
            seconds = value
        }
        let rest = line[line.index(after: close)...].trimmingWhitespace()
        guard rest.hasPrefix("rssi=["), rest.hasSuffix("]") else { throw fail("expected rssi=[…] after the scan length") }
        var readings: [Int] = []
        var discarded = 0
        for item in rest.dropFirst(6).dropLast().split(separator: ",") {
            guard let value = Int64(item.trimmingWhitespace()) else { throw fail("RSSI \(item.trimmingWhitespace()): expected a number (dBm)") }
            if (-127...20).contains(value) { readings.append(Int(value)) } else { discarded += 1 }
        }
        guard readings.count + discarded > 0 else { throw fail("a scan with no RSSI") }
        return (readings.isEmpty ? nil : DumpsysLog.Scan(start: start, lengthSeconds: seconds, rssi: readings), discarded, offset)
    }

    private static func value(of prefix: String, in fields: [Substring]) -> Substring? {
        fields.first { $0.hasPrefix(prefix) }.map { $0.dropFirst(prefix.count) }
    }

    private static func isRPI(_ text: Substring) -> Bool {
        text.count == 32 && text.allSatisfy(\.isHexDigit)
    }
}

extension StringProtocol {
    /// The lines, `\n`, `\r\n` (one Character in Swift, so never split by `"\n"`) or `\r` apart,
    /// empty ones kept so that index + 1 is the line number.
    func textLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
