import ExposureNotification

/// A judged day as the store keeps it (sealed, forgotten with the day's records): what
/// `bleagent exposures` lists and what makes sure a day is notified exactly once.
public struct ContactDayRecord: Hashable, Sendable, Codable {
    public var day: ExposureDay
    public var isContactDay: Bool
    public var score: Double
    public var seconds: Int
    public var windows: Int
    /// When the user was notified of this day, if they were.
    public var notifiedAt: Int64?
    /// Whole minutes of contact that day, as every notice and listing says it.
    public var minutes: Int { seconds / 60 }

    public init(day: ExposureDay, isContactDay: Bool, score: Double, seconds: Int, windows: Int, notifiedAt: Int64? = nil) {
        self.day = day
        self.isContactDay = isContactDay
        self.score = score
        self.seconds = seconds
        self.windows = windows
        self.notifiedAt = notifiedAt
    }

    public init(_ risk: DailyRisk, notifiedAt: Int64? = nil) {
        self.init(day: risk.day, isContactDay: risk.isContactDay, score: risk.score, seconds: risk.seconds,
                  windows: risk.windows, notifiedAt: notifiedAt)
    }
}
