/// One RPI heard during one scan instance: what the scanner records and the matcher reads.
/// Several packets of the same RPI in one scan make one sighting (RSSI max and mean over them).
public struct Sighting: Hashable, Sendable {
    public var rpi: RollingProximityIdentifier
    public var aem: AssociatedEncryptedMetadata
    /// Unix seconds of the scan instance.
    public var time: Int64
    /// Strongest RSSI of the packets heard in this scan (dBm): gives the minimum attenuation.
    public var rssiMax: Int8
    /// Mean RSSI of those packets (dBm): gives the typical attenuation.
    public var rssiMean: Int8
    /// Seconds since the previous scan instance: the time this sighting stands for.
    public var secondsSinceLastScan: UInt16
    /// Which of the agent's adapters heard it (an index into the agent's adapter list), for per-radio calibration.
    public var adapter: UInt8

    public init(rpi: RollingProximityIdentifier, aem: AssociatedEncryptedMetadata, time: Int64,
                rssiMax: Int8, rssiMean: Int8, secondsSinceLastScan: UInt16, adapter: UInt8 = 0) {
        self.rpi = rpi
        self.aem = aem
        self.time = time
        self.rssiMax = rssiMax
        self.rssiMean = rssiMean
        self.secondsSinceLastScan = secondsSinceLastScan
        self.adapter = adapter
    }

    /// The interval the sighting was made in; `nil` for a time before 1970.
    public var interval: ENIntervalNumber? { ENIntervalNumber(unixSeconds: time) }

    /// The UTC day the sighting was made on.
    public var day: ExposureDay { ExposureDay(unixSeconds: time) }
}
