import ExposureNotification

/// One receiver's scan that heard the sender, before any risk model: attenuations as measured
/// (sender's TX power − (RSSI + receiver's RSSI correction)), still fractional, and the seconds since
/// the receiver's previous scan, not yet capped. A risk model turns it into a `ScanInstance`.
public struct ObservedScan: Hashable, Sendable {
    public var day: ExposureDay
    /// Mean attenuation over the scan's packets (dB).
    public var typicalAttenuation: Double
    /// Attenuation of the scan's strongest packet (dB).
    public var minimumAttenuation: Double
    public var secondsSinceLastScan: Int

    public init(day: ExposureDay, typicalAttenuation: Double, minimumAttenuation: Double, secondsSinceLastScan: Int) {
        self.day = day
        self.typicalAttenuation = typicalAttenuation
        self.minimumAttenuation = minimumAttenuation
        self.secondsSinceLastScan = secondsSinceLastScan
    }

    /// The scan instance `configuration` sees: its `rssi_correction` raises every RSSI (so lowers the
    /// attenuation), attenuations rounded to whole dB and kept in 0…255, seconds capped at
    /// `maximum_seconds_per_scan` — as `ExposureWindowBuilder` does for the agent's own sightings.
    public func scanInstance(_ configuration: RiskConfiguration) -> ScanInstance {
        let correction = Double(configuration.rssiCorrection)
        let typical = Self.whole(typicalAttenuation - correction)
        let minimum = min(Self.whole(minimumAttenuation - correction), typical)
        return ScanInstance(typicalAttenuation: typical, minAttenuation: minimum,
                            secondsSinceLastScan: min(max(secondsSinceLastScan, 0), configuration.maximumSecondsPerScan))
    }

    static func whole(_ decibels: Double) -> Int {
        guard decibels.isFinite else { return 255 }
        return Int(min(max(decibels.rounded(), 0), 255))
    }
}
