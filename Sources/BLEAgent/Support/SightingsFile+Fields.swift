import ExposureNotification

extension SightingsFile {
    /// One sighting's fields as a file spells them, before they are checked; also a JSON line
    /// (keys in snake case; unknown keys are ignored).
    struct Fields: Codable {
        var time: Int64
        var rpi: String
        var aem: String
        var rssi: Int
        var rssiMax: Int?
        var secondsSinceLastScan: Int
        var rssiPackets: [Int]?
        /// Which of the recording agent's adapters heard it: written for the reader's information, never read back
        /// (an index into another machine's adapters).
        var adapter: Int? = nil

        /// The entry, or what is wrong with a field (named as the file names it).
        func entry() throws(FieldError) -> Entry {
            guard let rpi = RollingProximityIdentifier(hex: rpi) else { throw FieldError("rpi must be 32 hex digits") }
            guard let aem = AssociatedEncryptedMetadata(hex: aem) else { throw FieldError("aem must be 8 hex digits") }
            guard time >= 0 else { throw FieldError("time must be unix seconds (≥ 0)") }
            guard let mean = Self.dBm(rssi) else { throw FieldError("rssi must be −128…20 dBm") }
            var strongest = try rssiMax.map { value throws(FieldError) -> Int8 in
                guard let strongest = Self.dBm(value), strongest >= mean else {
                    throw FieldError("rssi_max must be −128…20 dBm and at least rssi (the mean of the scan's packets)")
                }
                return strongest
            }
            guard let seconds = UInt16(exactly: secondsSinceLastScan) else { throw FieldError("seconds_since_last_scan must be 0…65535") }
            let packets = try rssiPackets.map { values throws(FieldError) -> [Int8] in
                let packets = values.compactMap(Self.dBm)
                guard !values.isEmpty, packets.count == values.count else {
                    throw FieldError("rssi_packets must be one or more RSSI values of −128…20 dBm")
                }
                let peak = packets.max() ?? mean
                guard strongest == nil || strongest == peak else {
                    throw FieldError("rssi_packets' strongest (\(peak)) is not rssi_max (\(strongest ?? peak))")
                }
                strongest = peak
                // The mean as the agent rounds it, or as another tool might (down, or to even): within 1 dB.
                let average = Double(packets.reduce(0) { $0 + Int($1) }) / Double(packets.count)
                guard abs(average - Double(mean)) < 1 else {
                    throw FieldError("rssi (\(mean)) is not the mean of rssi_packets (\((average * 10).rounded() / 10))")
                }
                return packets
            }
            let sighting = Sighting(rpi: rpi, aem: aem, time: time, rssiMax: strongest ?? mean, rssiMean: mean, secondsSinceLastScan: seconds)
            return Entry(sighting: sighting, rssiPackets: packets)
        }

        static func dBm(_ value: Int) -> Int8? {
            guard let value = Int8(exactly: value), value <= 20 else { return nil }
            return value
        }
    }

    struct FieldError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
