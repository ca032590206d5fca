/// The timestamps of the MITLL-UA files, read without a date formatter: `2021-02-22T10:09:07-05`,
/// `…-0500` or `…-05:00`; the hour may have one digit (`2021-03-22T9:09:00-0500`, as an info file
/// writes it). The offset is the local time's distance from UTC, so UTC = local − offset.
public enum TrialTimestamp {
    /// Unix seconds, or nil when `text` is not such a timestamp.
    public static func unixSeconds(_ text: Substring) -> Int64? { parse(text)?.unixSeconds }

    /// Unix seconds and the UTC offset written (seconds, −18,000 for `-05`), or nil.
    public static func parse(_ text: Substring) -> (unixSeconds: Int64, utcOffset: Int)? {
        let halves = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, let year = number(date[0], digits: 4...4), let month = number(date[1], digits: 2...2),
              let day = number(date[2], digits: 2...2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        let rest = halves[1]
        guard let signIndex = rest.firstIndex(where: { $0 == "+" || $0 == "-" }) else { return nil }
        let clock = rest[..<signIndex].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = number(clock[0], digits: 1...2), let minute = number(clock[1], digits: 2...2),
              let second = number(clock[2], digits: 2...2), hour < 24, minute < 60, second < 61 else { return nil }
        let sign: Int64 = rest[signIndex] == "-" ? -1 : 1
        let zone = rest[rest.index(after: signIndex)...].filter { $0 != ":" }
        guard zone.count == 2 || zone.count == 4, let zoneHours = number(zone.prefix(2), digits: 2...2),
              let zoneMinutes = zone.count == 4 ? number(zone.suffix(2), digits: 2...2) : 0,
              zoneHours < 24, zoneMinutes < 60 else { return nil }
        let local = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        let offset = sign * (zoneHours * 3600 + zoneMinutes * 60)
        return (local - offset, Int(offset))
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func number<S: StringProtocol>(_ text: S, digits: ClosedRange<Int>) -> Int64? {
        guard digits.contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text)
    }
}
