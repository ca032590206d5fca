@testable import BLEAgent
import DBus
import Testing

/// What the desktop companion accepts of a ContactDay signal: the daemon's shape, a real day in the
/// kept period, counts a person can read. Anything else is not shown (nor recorded as shown).
struct ContactDayNoticeTests {
    /// 2026-03-01 12:00 UTC.
    let now = 1_772_366_400.0

    @Test func theDaemonsNoticeIsAccepted() {
        let notice = ContactDayNotice([.string("2026-02-27"), .uint32(2), .uint32(25)], now: now)
        #expect(notice?.date == "2026-02-27" && notice?.contacts == 2 && notice?.minutes == 25)
    }

    @Test(arguments: [
        [DBusValue.string("URGENT: call +81-3-0000-0000"), .uint32(1), .uint32(20)],   // not a date
        [.string("2026-02-30"), .uint32(1), .uint32(20)],                                 // no such day
        [.string("2026-01-01"), .uint32(1), .uint32(20)],                                 // older than 14 days
        [.string("2026-03-09"), .uint32(1), .uint32(20)],                                 // a week ahead
        [.string("2026-02-27"), .uint32(0), .uint32(20)],                                 // no contact
        [.string("2026-02-27"), .uint32(1), .uint32(5_000)],                              // more minutes than a day has
        [.string("2026-02-27"), .int32(1), .int32(20)],                                   // the wrong types
        [.string("2026-02-27"), .uint32(1)],                                              // too short
    ])
    func anythingElseIsRefused(_ arguments: [DBusValue]) {
        #expect(ContactDayNotice(arguments, now: now) == nil)
    }
}
