import ExposureNotification
import Foundation

extension SightingsFile {
    /// One JSON object a line, `Fields` spelt in snake case.
    enum JSONLines {
        static func read(_ lines: [Substring], path: String) throws -> [Entry] {
            let decoder = SnakeCaseJSON.decoder()
            var entries: [Entry] = []
            for (number, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                func fail(_ why: String) -> CLIError { CLIError(.dataError, "\(path):\(number + 1): \(why)") }
                let fields: Fields
                do {
                    fields = try decoder.decode(Fields.self, from: Data(trimmed.utf8))
                } catch {
                    throw fail(JSONErrors.describe(error))
                }
                do throws(FieldError) {
                    entries.append(try fields.entry())
                } catch {
                    throw fail(error.message)
                }
            }
            return entries
        }

        static func encode(_ entries: [Entry]) -> Data {
            let encoder = SnakeCaseJSON.encoder([.sortedKeys])
            var data = Data()
            for entry in entries {
                let sighting = entry.sighting
                let line = Fields(time: sighting.time, rpi: sighting.rpi.description, aem: sighting.aem.description,
                                rssi: Int(sighting.rssiMean), rssiMax: Int(sighting.rssiMax),
                                secondsSinceLastScan: Int(sighting.secondsSinceLastScan),
                                rssiPackets: entry.rssiPackets.map { $0.map(Int.init) }, adapter: Int(sighting.adapter))
                // Plain integers and hex strings: encoding cannot fail.
                if let encoded = try? encoder.encode(line) { data += encoded + Data("\n".utf8) }
            }
            return data
        }
    }
}
