import ExposureNotification
import Foundation

extension SightingsFile {
    /// Comma-separated, a header first naming the columns; no quoting (no value holds a comma).
    /// `rssi_packets` holds the packets separated by `;`. Extra columns (`adapter`, a tool's own)
    /// are ignored; `rssi_max` and `rssi_packets` may be missing or empty.
    enum CSV {
        static let columns = ["time", "rpi", "aem", "rssi", "rssi_max", "seconds_since_last_scan"]
        static let required = ["time", "rpi", "aem", "rssi", "seconds_since_last_scan"]

        static func read(_ lines: [Substring], path: String) throws -> [Entry] {
            var header: [String: Int]?
            var entries: [Entry] = []
            for (number, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                func fail(_ why: String) -> CLIError { CLIError(.dataError, "\(path):\(number + 1): \(why)") }
                let cells = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let columns = header else {
                    let names = cells.map { $0.lowercased() }
                    let missing = required.filter { !names.contains($0) }
                    guard missing.isEmpty else {
                        throw fail("not a sightings file: neither JSON lines nor CSV with a header naming \(required.joined(separator: ",")) (missing \(missing.joined(separator: ",")))")
                    }
                    header = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                    continue
                }
                guard cells.count == columns.count else { throw fail("\(cells.count) columns where the header has \(columns.count)") }
                func cell(_ name: String) -> String? {
                    columns[name].map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 }
                }
                func integer<Value: FixedWidthInteger>(_ name: String, as: Value.Type = Value.self) throws -> Value? {
                    guard let text = cell(name) else { return nil }
                    guard let value = Value(text) else { throw fail("\(name) must be an integer, not \"\(text)\"") }
                    return value
                }
                func present<Value>(_ value: Value?, _ name: String) throws -> Value {
                    guard let value else { throw fail("\(name) is empty") }
                    return value
                }
                let packets = try cell("rssi_packets").map { text in
                    try text.split(separator: ";", omittingEmptySubsequences: false).map { value in
                        guard let packet = Int(value.trimmingCharacters(in: .whitespaces)) else {
                            throw fail("rssi_packets must be integers separated by ';', not \"\(text)\"")
                        }
                        return packet
                    }
                }
                let fields = Fields(time: try present(try integer("time", as: Int64.self), "time"),
                                    rpi: try present(cell("rpi"), "rpi"), aem: try present(cell("aem"), "aem"),
                                    rssi: try present(try integer("rssi", as: Int.self), "rssi"),
                                    rssiMax: try integer("rssi_max", as: Int.self),
                                    secondsSinceLastScan: try present(try integer("seconds_since_last_scan", as: Int.self), "seconds_since_last_scan"),
                                    rssiPackets: packets)
                do throws(FieldError) {
                    entries.append(try fields.entry())
                } catch {
                    throw fail(error.message)
                }
            }
            return entries
        }

        /// With `rssi_packets` as the last column if `packets` (default: when any entry has packets).
        static func encode(_ entries: [Entry], header: Bool, packets: Bool? = nil) -> Data {
            let withPackets = packets ?? entries.contains { $0.rssiPackets != nil }
            var text = header ? (columns + (withPackets ? ["rssi_packets"] : [])).joined(separator: ",") + "\n" : ""
            for entry in entries {
                let sighting = entry.sighting
                var cells = ["\(sighting.time)", sighting.rpi.description, sighting.aem.description, "\(sighting.rssiMean)",
                             "\(sighting.rssiMax)", "\(sighting.secondsSinceLastScan)"]
                if withPackets { cells.append((entry.rssiPackets ?? []).map(String.init).joined(separator: ";")) }
                text += cells.joined(separator: ",") + "\n"
            }
            return Data(text.utf8)
        }
    }
}
