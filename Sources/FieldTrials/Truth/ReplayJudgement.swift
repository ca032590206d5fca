import ExposureNotification

/// What one risk model makes of one sender–receiver contact: the core's one judgement
/// (`ContactJudgement.dailyRisks`) over the exposure windows built from the observed scans.
public struct ReplayJudgement: Hashable, Sendable, Codable {
    public var risk: String
    /// A contact day on any day of the contact: the receiver would be notified.
    public var flagged: Bool
    /// The highest day's score (weighted seconds) and minutes in range.
    public var score: Double
    public var minutes: Int

    public init(risk: String, flagged: Bool, score: Double, minutes: Int) {
        self.risk = risk
        self.flagged = flagged
        self.score = score
        self.minutes = minutes
    }

    /// Judges `scans` as one positive key's sightings: one window per UTC day, the key's
    /// infectiousness and report type as `configuration` takes them when a key carries neither
    /// (the trials' keys carry neither).
    public static func judge(_ scans: [ObservedScan], configuration: RiskConfiguration) -> ReplayJudgement {
        var byDay: [ExposureDay: [ScanInstance]] = [:]
        for scan in scans { byDay[scan.day, default: []].append(scan.scanInstance(configuration)) }
        let windows = byDay.map { day, instances in
            ExposureWindow(day: day, reportType: configuration.effectiveReportType(nil),
                           infectiousness: configuration.infectiousness(daysSinceOnset: nil), scanInstances: instances)
        }
        guard let today = byDay.keys.max() else {
            return ReplayJudgement(risk: configuration.name, flagged: false, score: 0, minutes: 0)
        }
        let days = ContactJudgement.dailyRisks(windows: windows, configuration: configuration, today: today)
        return ReplayJudgement(risk: configuration.name, flagged: days.contains(where: \.isContactDay),
                               score: days.map(\.score).max() ?? 0, minutes: days.map(\.minutes).max() ?? 0)
    }
}
