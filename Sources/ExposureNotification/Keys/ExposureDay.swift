/// A UTC calendar day, counted in days since 1970-01-01. Exposure windows, contact days and key
/// validity are all expressed in these (as GAEN does); the CLI prints them as `YYYY-MM-DD`.
public struct ExposureDay: RawRepresentable, Hashable, Comparable, Sendable, Codable {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(daysSinceEpoch: Int32) { self.rawValue = daysSinceEpoch }

    /// The UTC day containing `unixSeconds` (floored, so negative times work too).
    public init(unixSeconds: Int64) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        self.rawValue = Int32(clamping: days)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var unixSeconds: Int64 { Int64(rawValue) * 86_400 }

    /// The first GAEN interval of this day.
    public var firstInterval: ENIntervalNumber? {
        guard rawValue >= 0 else { return nil }
        return ENIntervalNumber(rawValue: UInt32(rawValue) * ENIntervalNumber.intervalsPerDay)
    }

    public func adding(days: Int32) -> ExposureDay { ExposureDay(rawValue: rawValue &+ days) }

    /// Days from `other` to `self` (positive when `self` is later).
    public func days(since other: ExposureDay) -> Int32 { rawValue &- other.rawValue }

    /// Parses `YYYY-MM-DD` (proleptic Gregorian, UTC).
    public init?(iso8601 text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        self.rawValue = Int32(Self.daysFromCivil(year: year, month: month, day: day))
    }

    /// `YYYY-MM-DD`.
    public var iso8601: String {
        let (year, month, day) = Self.civilFromDays(Int(rawValue))
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    // Civil-date arithmetic over 400-year eras (146,097 days each), so no calendar object or time
    // zone database is needed and the result never depends on the machine's locale.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension ExposureDay: CustomStringConvertible {
    public var description: String { iso8601 }
}
