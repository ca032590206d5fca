/// The one function that decides contact days. Everything that lists exposures or notifies calls
/// it (COCOA 1.1.4 shipped a notification that judged differently from its list; never again).
public enum ContactJudgement {
    /// Days further back than this are never reported (COCOA: records expire after 14 days).
    public static let retentionDays: Int32 = 14

    /// Judges each day of `windows` from `today − 14` to `today`, oldest first. A window scores
    /// Σ min(seconds, cap) × attenuation weight × infectiousness weight × report-type weight; windows
    /// of no infectiousness, revoked keys or zero weight do not count (neither their seconds). A day
    /// is a contact day when its score reaches `minimumDailyScore` and its counted seconds reach
    /// `minimumDailySeconds`.
    ///
    /// Time counts only in range: a scan whose typical attenuation is past the last threshold (GAEN's
    /// "other" bucket: beyond the distance of interest) or whose bucket weighs 0 adds its weighted
    /// score as the model says, but no seconds; a window with no scan in range is no contact. So a
    /// peer heard only far away neither pushes a day over the minutes line nor shows as a contact
    /// or as minutes in `exposures`.
    public static func dailyRisks(windows: [ExposureWindow], configuration: RiskConfiguration,
                                  today: ExposureDay) -> [DailyRisk] {
        let oldest = today.adding(days: -retentionDays)
        var days: [ExposureDay: DailyRisk] = [:]
        for window in windows where window.day >= oldest && window.day <= today {
            guard let score = windowScore(window, configuration: configuration) else { continue }
            let seconds = countedSeconds(window, configuration: configuration)
            var day = days[window.day] ?? DailyRisk(day: window.day, score: 0, seconds: 0, windows: 0, isContactDay: false)
            day.score += score
            day.seconds += seconds
            if seconds > 0 { day.windows += 1 }
            days[window.day] = day
        }
        return days.values.map { day in
            var judged = day
            judged.isContactDay = day.score >= configuration.minimumDailyScore && day.seconds >= configuration.minimumDailySeconds
            return judged
        }
        .sorted { $0.day < $1.day }
    }

    /// A window's weighted seconds; `nil` when it cannot count at all (no infectiousness, a revoked
    /// key, or a zero weight), so neither its score nor its seconds enter the day.
    public static func windowScore(_ window: ExposureWindow, configuration: RiskConfiguration) -> Double? {
        let weight = configuration.weight(of: window.infectiousness) * configuration.weight(of: window.reportType)
        guard weight > 0 else { return nil }
        var score = 0.0
        for scan in window.scanInstances {
            score += Double(scan.secondsSinceLastScan) * configuration.attenuationWeight(typicalAttenuation: scan.typicalAttenuation)
        }
        return score * weight
    }

    /// The seconds of `window`'s scans in range: what the day's minutes and `minimumDailySeconds` count.
    public static func countedSeconds(_ window: ExposureWindow, configuration: RiskConfiguration) -> Int {
        window.scanInstances.reduce(0) { total, scan in
            configuration.isInRange(typicalAttenuation: scan.typicalAttenuation) ? total + scan.secondsSinceLastScan : total
        }
    }

    /// The contact days alone: what notifications are sent for.
    public static func contactDays(windows: [ExposureWindow], configuration: RiskConfiguration,
                                   today: ExposureDay) -> [DailyRisk] {
        dailyRisks(windows: windows, configuration: configuration, today: today).filter(\.isContactDay)
    }
}
