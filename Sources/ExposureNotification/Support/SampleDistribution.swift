/// The median and interquartile range of a sample (quantiles interpolated linearly between ranks,
/// so an even count's median is the mean of the middle two). Shared by the calibration (RSSI of a
/// peer's packets) and the field-trial replays (RSSI and attenuation per distance). Pure.
public struct SampleDistribution: Sendable, Hashable {
    public var median: Double
    public var interquartileRange: Double
    public var count: Int

    /// nil for an empty sample; non-finite values are left out.
    public init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
            return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
        }
        median = quantile(0.5)
        interquartileRange = quantile(0.75) - quantile(0.25)
        count = sorted.count
    }

    public init?(_ values: [Int]) {
        self.init(values.map(Double.init))
    }
}
