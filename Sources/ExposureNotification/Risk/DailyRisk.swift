/// The judgement of one UTC day: what `bleagent exposures`, notifications and `match` all show.
public struct DailyRisk: Hashable, Sendable {
    public var day: ExposureDay
    /// Σ of the day's window scores (weighted seconds).
    public var score: Double
    /// Σ of the seconds of the day's scans in range (`ContactJudgement.countedSeconds`).
    public var seconds: Int
    /// Windows (one per positive key) with time in range: the day's contacts.
    public var windows: Int
    public var isContactDay: Bool

    /// Whole minutes, rounded down.
    public var minutes: Int { seconds / 60 }
}
