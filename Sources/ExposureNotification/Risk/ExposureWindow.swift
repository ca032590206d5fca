/// The contact with one positive person's key on one UTC day: its scan instances and what the key
/// says about its owner. The judgement reads only the day, weights and scans; `keyData` (the
/// published key, public once uploaded) lets tools say which key matched.
public struct ExposureWindow: Hashable, Sendable {
    public var keyData: Block16
    public var day: ExposureDay
    public var reportType: ReportType
    public var infectiousness: Infectiousness
    /// v1.1 metadata's calibration confidence (0…3), the highest among the scans; 0 for v1.0.
    public var calibrationConfidence: UInt8
    public var scanInstances: [ScanInstance]

    public init(keyData: Block16 = .zero, day: ExposureDay, reportType: ReportType, infectiousness: Infectiousness,
                calibrationConfidence: UInt8 = 0, scanInstances: [ScanInstance]) {
        self.keyData = keyData
        self.day = day
        self.reportType = reportType
        self.infectiousness = infectiousness
        self.calibrationConfidence = calibrationConfidence
        self.scanInstances = scanInstances
    }

    /// Seconds this window stands for.
    public var seconds: Int { scanInstances.reduce(0) { $0 + $1.secondsSinceLastScan } }
}
