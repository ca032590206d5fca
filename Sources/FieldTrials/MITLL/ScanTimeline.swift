import ExposureNotification

/// A receiver's scans, recovered from its sighting records: every RPI heard in one scan is logged
/// with a start within a few seconds of the others, so start times closer than `gapSeconds` are one
/// scan. What a scan stands for is the time since the receiver's previous scan (of anything); the
/// first scan of the run stands for the median time between the receiver's scans (300 s when it
/// made only one), as no earlier scan is in the run.
public struct ScanTimeline: Hashable, Sendable {
    public static let gapSeconds: Int64 = 30
    public static let singleScanSeconds = 300

    /// Start of each scan (the earliest start among its records), ascending.
    public private(set) var starts: [Int64]

    /// Scans from the start times of all `log`'s sighting records within `range` (receiver's clock
    /// corrected by `clockOffset`, seconds the phone was ahead).
    public init(log: DumpsysLog, clockOffset: Int64, range: ClosedRange<Int64>) {
        let times = Set(log.sightings.flatMap { $0.scans.map { $0.start - clockOffset } }).filter { range.contains($0) }.sorted()
        var starts: [Int64] = []
        var last: Int64?
        for time in times {
            if let previous = last, time - previous <= Self.gapSeconds {
                last = time
                continue
            }
            starts.append(time)
            last = time
        }
        self.starts = starts
    }

    /// The index of the scan a record starting at `time` (reference clock) belongs to.
    public func scanIndex(at time: Int64) -> Int? {
        guard let index = starts.lastIndex(where: { $0 <= time }) else { return nil }
        return index
    }

    /// Seconds scan `index` stands for.
    public func secondsSinceLastScan(_ index: Int) -> Int {
        if index > 0 { return Int(clamping: starts[index] - starts[index - 1]) }
        let gaps = zip(starts.dropFirst(), starts).map { Double($0 - $1) }
        return SampleDistribution(gaps).map { Int($0.median.rounded()) } ?? Self.singleScanSeconds
    }
}
