import BlueZ
import ExposureNotification
import Foundation

/// Sightings files, one sighting per RPI per scan instance, as `match` and `store import` read
/// them and `radio test --sightings-out`, `sightings convert` and `store export` write them:
/// - JSON lines: `{"time": unix seconds, "rpi": hex, "aem": hex, "rssi": dBm, "seconds_since_last_scan": s}`
///   with optional `"rssi_max"` (the scan's strongest packet; `rssi` is then their mean) and
///   `"rssi_packets"` (every packet's RSSI, an array);
/// - CSV: header `time,rpi,aem,rssi,rssi_max,seconds_since_last_scan[,rssi_packets]`, packets
///   separated by `;` (columns are found by the header; `rssi_max` and `rssi_packets` may be left out);
/// - and, read only, a btsnoop capture (`btmon -w`), grouped into scan instances as `CaptureScans` says.
/// Reading tells them apart by their content; writing takes the format asked for, else the file's
/// extension (`.csv`), else JSON lines.
enum SightingsFile {
    enum Format: String, CaseIterable, Sendable {
        case jsonl
        case csv

        /// For people: "CSV", "JSON lines".
        var name: String { self == .csv ? "CSV" : "JSON lines" }

        /// `explicit`, else `.csv` files are CSV, else JSON lines.
        static func of(_ path: String, explicit: Format?) -> Format {
            explicit ?? (URL(fileURLWithPath: path).pathExtension.lowercased() == "csv" ? .csv : .jsonl)
        }
    }

    /// One sighting and, if the file has them, its packets' RSSI.
    struct Entry: Hashable, Sendable {
        var sighting: Sighting
        var rssiPackets: [Int8]?
    }

    /// The largest file read (a capture of a day of busy scanning is a few hundred MB).
    static let maximumBytes = 4 << 30

    /// Every sighting in `path` (any of the formats); an error names the file, line and field.
    static func read(_ path: String) throws -> SightingTable {
        SightingTable(try readEntries(path).map(\.sighting))
    }

    static func readEntries(_ path: String) throws -> [Entry] {
        let data = try mapped(path)
        if BtsnoopReader.isCapture(data) { return try capture(data, path: path, configuration: CaptureScans.Configuration()).entries }
        let text = String(decoding: data, as: UTF8.self)
        // Any line ending (\r\n from Windows tools is one Character in Swift, not "\n").
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let first = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.trimmingCharacters(in: .whitespaces)
        if let first, !first.hasPrefix("{") { return try CSV.read(lines, path: path) }
        return try JSONLines.read(lines, path: path)
    }

    /// The sightings of a btsnoop capture, with what was found in it.
    static func capture(_ data: Data, path: String, configuration: CaptureScans.Configuration) throws
        -> (entries: [Entry], summary: CaptureScans.Summary) {
        do throws(BtsnoopError) {
            let (sightings, summary) = try CaptureScans.read(data, configuration: configuration)
            let entries = sightings.map { Entry(sighting: $0.sighting, rssiPackets: configuration.keepsPackets ? $0.rssiPackets : nil) }
            return (entries, summary)
        } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }

    /// The file's bytes, mapped rather than copied, up to `maximumBytes`.
    static func mapped(_ path: String) throws -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maximumBytes else {
            throw CLIError(.dataError, "\(path): \(size) bytes is more than the \(maximumBytes >> 30) GiB read; split it")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CLIError(.noInput, "cannot read sightings file \(path): \(InputFiles.reason(error))")
        }
    }

    /// The file's contents in `format`: CSV with its header unless `header` is false (appending);
    /// `rssi_packets` where entries have them (in CSV, a column when `packets`, default: any has them).
    static func encode(_ entries: [Entry], format: Format, header: Bool = true, packets: Bool? = nil) -> Data {
        switch format {
        case .jsonl: JSONLines.encode(entries)
        case .csv: CSV.encode(entries, header: header, packets: packets)
        }
    }

    /// Writes a file of sightings whole and durably (replacing one there, as `keys export` does),
    /// readable by its owner only: it holds the RPIs and RSSI of people nearby.
    static func create(_ entries: [Entry], at path: String, format: Format) throws {
        try InputFiles.write(encode(entries, format: format), to: path, mode: 0o600)
    }
}
