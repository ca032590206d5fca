import ExposureNotification

/// The NIST Pi replay: RSSI against distance, and what a model judges for a 15-minute exposure at
/// each distance. Each capture is cut into consecutive 15-minute slices from its first packet (only
/// whole slices); in a slice, each minute that heard packets is one scan instance of 60 s, typical
/// attenuation from the minute's mean, minimum from its strongest packet (attenuation = the packet's
/// TX power − RSSI: a Pi has no RSSI correction). Every slice is a contact at the capture's
/// distance, close when that is within the rule's line. Scenarios are the distances.
public enum PiReplay {
    public struct Capture: Sendable {
        public var distanceCentimetres: Int
        /// `A` or `B`: the Pi that received.
        public var receiver: String
        public var capture: PiCapture

        public init(distanceCentimetres: Int, receiver: String, capture: PiCapture) {
            self.distanceCentimetres = distanceCentimetres
            self.receiver = receiver
            self.capture = capture
        }
    }

    /// The figures a Pi's packets are judged with instead of what they carried: the TX power its
    /// metadata would advertise and the correction added to the RSSI it measures (bleagent's
    /// calibration). nil: as the NIST Pis advertised (+12 dBm, their controller's conducted level), no correction.
    public struct Calibration: Sendable, Hashable {
        public var txPower: Int
        public var rssiCorrection: Int

        public init(txPower: Int, rssiCorrection: Int) {
            self.txPower = txPower
            self.rssiCorrection = rssiCorrection
        }

        func attenuation(_ packet: PiCapture.Packet) -> Double { Double(txPower - (packet.rssi + rssiCorrection)) }
    }

    static func attenuation(_ packet: PiCapture.Packet, _ calibration: Calibration?) -> Double {
        calibration?.attenuation(packet) ?? Double(packet.txPower - packet.rssi)
    }

    public static let sliceSeconds = 900.0

    public static func cases(_ captures: [Capture], calibration: Calibration? = nil) -> [ReplayCase] {
        captures.sorted { ($0.distanceCentimetres, $0.receiver) < ($1.distanceCentimetres, $1.receiver) }.flatMap { item in
            let metres = Double(item.distanceCentimetres) / 100
            return slices(item.capture, calibration: calibration).enumerated().map { index, scans in
                ReplayCase(scenario: "\(item.distanceCentimetres) cm",
                           label: "\(item.distanceCentimetres) cm, Pi \(item.receiver) receiving, minutes \(index * 15)–\(index * 15 + 15)",
                           closestMetres: metres,
                           truth: CloseContactRule.all.map {
                               RuleTruth(rule: $0, secondsWithin: metres <= $0.maximumMetres + 1e-9 ? Int(sliceSeconds) : 0)
                           },
                           phoneVerdict: nil, scans: scans)
            }
        }
    }

    /// The whole 15-minute slices of a capture, each as its minute-long scans.
    public static func slices(_ capture: PiCapture, calibration: Calibration? = nil) -> [[ObservedScan]] {
        guard let first = capture.packets.map(\.time).min(), let last = capture.packets.map(\.time).max() else { return [] }
        let count = Int(((last - first) / sliceSeconds).rounded(.down))
        var minutes: [Int: [PiCapture.Packet]] = [:]
        for packet in capture.packets {
            let minute = Int(((packet.time - first) / 60).rounded(.down))
            if minute < count * 15 { minutes[minute, default: []].append(packet) }
        }
        return (0..<count).map { slice in
            (slice * 15..<slice * 15 + 15).compactMap { minute -> ObservedScan? in
                guard let packets = minutes[minute], !packets.isEmpty else { return nil }
                let attenuations = packets.map { attenuation($0, calibration) }
                return ObservedScan(day: ExposureDay(unixSeconds: Int64(first) + Int64(minute * 60)),
                                    typicalAttenuation: attenuations.reduce(0, +) / Double(attenuations.count),
                                    minimumAttenuation: attenuations.min() ?? 0, secondsSinceLastScan: 60)
            }
        }
    }

    public static func summary(_ item: Capture, calibration: Calibration? = nil) -> DistanceSummary {
        DistanceSummary(distanceCentimetres: item.distanceCentimetres, receiver: "Pi \(item.receiver)",
                        packets: item.capture.packets.count, discarded: item.capture.discarded,
                        medianRssi: SampleDistribution(item.capture.packets.map(\.rssi))?.median,
                        medianAttenuation: SampleDistribution(item.capture.packets.map { attenuation($0, calibration) })?.median)
    }
}
