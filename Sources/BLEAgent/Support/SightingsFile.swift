import ExposureNotification
import Foundation

/// Sightings as JSON lines, one per RPI per scan, as a field tester imports them from another scanner:
/// `{"time": unix seconds, "rpi": hex, "aem": hex, "rssi": dBm, "seconds_since_last_scan": s}`, with
/// an optional `"rssi_max"` (the scan's strongest packet; `rssi` is then their mean), as
/// `radio test --sightings-out` writes it: it gives the minimum attenuation of the scan instance.
enum SightingsFile {
    struct Line: Decodable {
        var time: Int64
        var rpi: String
        var aem: String
        var rssi: Int
        var rssiMax: Int?
        var secondsSinceLastScan: Int
    }

    /// Parses every line; an error names the line and what is wrong with it.
    static func read(_ path: String) throws -> SightingTable {
        let text = try InputFiles.text(path, what: "sightings file")
        var table = SightingTable()
        let decoder = SnakeCaseJSON.decoder()
        // Any line ending (\r\n from Windows tools is one Character in Swift, not "\n").
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            func fail(_ why: String) -> CLIError { CLIError(.dataError, "\(path):\(number + 1): \(why)") }
            let entry: Line
            do {
                entry = try decoder.decode(Line.self, from: Data(trimmed.utf8))
            } catch {
                throw fail(JSONErrors.describe(error))
            }
            guard let rpi = RollingProximityIdentifier(hex: entry.rpi) else { throw fail("rpi must be 32 hex digits") }
            guard let aem = AssociatedEncryptedMetadata(hex: entry.aem) else { throw fail("aem must be 8 hex digits") }
            guard entry.time >= 0 else { throw fail("time must be unix seconds (≥ 0)") }
            guard let rssi = Int8(exactly: entry.rssi), rssi <= 20 else { throw fail("rssi must be −128…20 dBm") }
            let strongest = try entry.rssiMax.map { value throws(CLIError) -> Int8 in
                guard let strongest = Int8(exactly: value), strongest <= 20, strongest >= rssi else {
                    throw fail("rssi_max must be −128…20 dBm and at least rssi (the mean of the scan's packets)")
                }
                return strongest
            } ?? rssi
            guard let seconds = UInt16(exactly: entry.secondsSinceLastScan) else { throw fail("seconds_since_last_scan must be 0…65535") }
            table.append(Sighting(rpi: rpi, aem: aem, time: entry.time, rssiMax: strongest, rssiMean: rssi, secondsSinceLastScan: seconds))
        }
        return table
    }
}
