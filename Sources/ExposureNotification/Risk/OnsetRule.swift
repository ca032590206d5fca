/// COCOA 1.2.1's rule for a positive registration: only contacts from 2 days before symptom onset
/// (or, without symptoms, the test date) count, and never contacts older than 14 days. The upload
/// side applies it by choosing keys (this type); the matching side by the infectiousness map of
/// `RiskConfiguration` (−3…+10 days since onset: one day's margin for the JST/UTC day boundary).
public enum OnsetRule {
    /// Days before onset/test date whose keys are shared.
    public static let daysBeforeOnset: Int32 = 2

    /// The first key day shared for a registration on `today` with onset (or test) on `onset`.
    public static func firstSharedDay(onset: ExposureDay, today: ExposureDay) -> ExposureDay {
        max(onset.adding(days: -daysBeforeOnset), today.adding(days: -ContactJudgement.retentionDays))
    }

    /// The keys to upload, each with its days since onset: keys from `firstSharedDay` up to today,
    /// oldest first. Keys from the future (clock trouble) are left out.
    public static func keysToShare(_ keys: [TemporaryExposureKey], onset: ExposureDay,
                                   today: ExposureDay) -> [TemporaryExposureKey] {
        let first = firstSharedDay(onset: onset, today: today)
        return keys
            .filter { $0.day >= first && $0.day <= today }
            .sorted { $0.rollingStartIntervalNumber < $1.rollingStartIntervalNumber }
            .map { key in
                var shared = key
                shared.daysSinceOnsetOfSymptoms = max(-14, min(14, key.day.days(since: onset)))
                return shared
            }
    }
}
