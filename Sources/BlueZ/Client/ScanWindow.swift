import ExposureNotification

/// What one scan window heard, reduced to one sighting per RPI: the strongest and the mean RSSI of
/// its reports, its latest AEM, and the time since the previous window began (the time this
/// window stands for, at most two scan periods). Keyed by RPI, never by the device object that carried it. Pure.
/// Also groups the reports of a btsnoop capture (`CaptureScans`), so both make the same sightings.
public struct ScanWindow: Sendable {
    private struct Heard {
        var aem: AssociatedEncryptedMetadata
        var rssiMax: Int
        var rssiSum: Int
        var reports: Int
        /// Every report's RSSI in arrival order, when the window keeps them (else empty).
        var packets: [Int8] = []
    }

    /// A sighting with the RSSI of each report it was made from (`radio test --keep-packets`).
    public struct Detailed: Sendable, Hashable {
        public var sighting: Sighting
        /// In arrival order; empty unless the window keeps packets.
        public var rssiPackets: [Int8]

        public init(sighting: Sighting, rssiPackets: [Int8]) {
            self.sighting = sighting
            self.rssiPackets = rssiPackets
        }
    }

    private var heard: [RollingProximityIdentifier: Heard] = [:]
    private var openedAt: Double?
    private var previousOpening: Double?
    public let adapter: UInt8
    /// What the first window of a run is taken to stand for (the scan period).
    public let defaultSpan: Double
    /// Keep each report's RSSI (for `closeKeepingPackets`); off in the daemon, which stores max and mean only.
    public let keepsPackets: Bool

    public init(adapter: UInt8, defaultSpan: Double, keepsPackets: Bool = false) {
        self.adapter = adapter
        self.defaultSpan = defaultSpan
        self.keepsPackets = keepsPackets
    }

    public var isOpen: Bool { openedAt != nil }
    public var reports: Int { heard.values.reduce(0) { $0 + $1.reports } }

    public mutating func open(at time: Double) {
        guard openedAt == nil else { return }
        openedAt = time
        heard = [:]
    }

    /// Adds one advertising report. Ignored while no window is open (another client's discovery).
    public mutating func report(_ payload: AdvertisementPayload, rssi: Int) {
        guard openedAt != nil else { return }
        let clamped = max(-127, min(20, rssi))
        if var entry = heard[payload.rpi] {
            entry.aem = payload.aem
            entry.rssiMax = max(entry.rssiMax, clamped)
            entry.rssiSum += clamped
            entry.reports += 1
            if keepsPackets { entry.packets.append(Int8(clamped)) }
            heard[payload.rpi] = entry
        } else {
            heard[payload.rpi] = Heard(aem: payload.aem, rssiMax: clamped, rssiSum: clamped, reports: 1,
                                       packets: keepsPackets ? [Int8(clamped)] : [])
        }
    }

    /// Closes the window; returns its sightings stamped with the window's opening time.
    public mutating func close() -> [Sighting] {
        closeKeepingPackets().map(\.sighting)
    }

    /// Closes the window; returns its sightings with their reports' RSSI (empty unless `keepsPackets`).
    public mutating func closeKeepingPackets() -> [Detailed] {
        guard let opened = openedAt else { return [] }
        // A window stands for at most two scan periods: a longer gap (a suspended laptop, a stalled
        // adapter or bluetoothd) is time nobody listened, and must not count as time spent near
        // whoever the next window hears.
        let span = min(previousOpening.map { opened - $0 } ?? defaultSpan, 2 * defaultSpan)
        previousOpening = opened
        openedAt = nil
        defer { heard = [:] }
        let seconds = UInt16(clamping: Int(span.rounded()))
        return heard.map { rpi, entry in
            Detailed(sighting: Sighting(rpi: rpi, aem: entry.aem, time: Int64(opened), rssiMax: Int8(entry.rssiMax),
                                        rssiMean: Int8((Double(entry.rssiSum) / Double(entry.reports)).rounded()),
                                        secondsSinceLastScan: seconds, adapter: adapter),
                     rssiPackets: entry.packets)
        }
        .sorted { $0.sighting.rpi.value.lo < $1.sighting.rpi.value.lo }
    }

    /// Drops what the open window heard (the adapter went off: nothing is recorded).
    public mutating func discard() {
        openedAt = nil
        heard = [:]
        // The next window cannot claim the time the adapter was off.
        previousOpening = nil
    }
}
