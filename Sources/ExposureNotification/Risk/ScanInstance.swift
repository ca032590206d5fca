/// One scan in which a matched key's RPI was heard, as GAEN's ExposureWindow reports it.
public struct ScanInstance: Hashable, Sendable, Codable {
    /// Attenuation from the mean RSSI of the scan (dB).
    public var typicalAttenuation: Int
    /// Attenuation from the strongest RSSI of the scan (dB).
    public var minAttenuation: Int
    /// The time this scan stands for.
    public var secondsSinceLastScan: Int

    public init(typicalAttenuation: Int, minAttenuation: Int, secondsSinceLastScan: Int) {
        self.typicalAttenuation = typicalAttenuation
        self.minAttenuation = minAttenuation
        self.secondsSinceLastScan = secondsSinceLastScan
    }

    enum CodingKeys: String, CodingKey {
        case typicalAttenuation = "typical_attenuation"
        case minAttenuation = "min_attenuation"
        case secondsSinceLastScan = "seconds_since_last_scan"
    }
}
