@testable import BlueZ
import ExposureNotification
import Testing

struct LEAdvertisingReportTests {
    @Test func legacyReportsCarryDataAndRSSI() throws {
        let gaen = CaptureBytes.gaenData(CaptureBytes.payload(7))
        let event = CaptureBytes.legacyEvent([(CaptureBytes.otherData, -40), (gaen, -71), (gaen, 127)])
        let reports = try LEAdvertisingReport.reports(inEvent: event)
        #expect(reports.count == 2)   // RSSI 127: not available, skipped
        #expect(reports[0].exposureNotification == nil && reports[0].rssi == -40)
        #expect(reports[1].exposureNotification == CaptureBytes.payload(7) && reports[1].rssi == -71 && !reports[1].extended)
    }

    @Test func extendedReportsTakeCompleteDataOnly() throws {
        let gaen = CaptureBytes.gaenData(CaptureBytes.payload(3))
        let complete = try LEAdvertisingReport.reports(inEvent: CaptureBytes.extendedEvent(gaen, rssi: -55))
        #expect(complete == [LEAdvertisingReport(data: gaen, rssi: -55, extended: true)])
        #expect(complete.first?.exposureNotification == CaptureBytes.payload(3))
        #expect(try LEAdvertisingReport.reports(inEvent: CaptureBytes.extendedEvent(gaen, rssi: -55, status: 1)).isEmpty)
        #expect(try LEAdvertisingReport.reports(inEvent: CaptureBytes.extendedEvent(gaen, rssi: 127)).isEmpty)
    }

    @Test func otherEventsAndBrokenAdvertisingDataAreNotReports() throws {
        #expect(try LEAdvertisingReport.reports(inEvent: [0x0E, 0x04, 0x01, 0x0C, 0x20, 0x00]).isEmpty)   // Command Complete
        #expect(try LEAdvertisingReport.reports(inEvent: [0x3E, 0x02, 0x01, 0x00]).isEmpty)               // Connection Complete
        // A remote device's malformed AD structures are its business: a report without a payload.
        let broken: [UInt8] = [0x17, 0x16, 0x6F, 0xFD, 1, 2, 3]
        #expect(try LEAdvertisingReport.reports(inEvent: CaptureBytes.legacyEvent([(broken, -60)])).first?.exposureNotification == nil)
        // Wrong-length GAEN service data is not a GAEN payload either.
        let short: [UInt8] = [0x07, 0x16, 0x6F, 0xFD, 1, 2, 3, 4]
        #expect(try LEAdvertisingReport.reports(inEvent: CaptureBytes.legacyEvent([(short, -60)])).first?.exposureNotification == nil)
    }

    @Test func reportsCutShortAreRefused() {
        let gaen = CaptureBytes.gaenData(CaptureBytes.payload(1))
        let event = CaptureBytes.legacyEvent([(gaen, -60)])
        for cut in [1, 2, gaen.count] {
            let truncated = Array(event.dropLast(cut))
            #expect(throws: BtsnoopError.Problem.self) { try LEAdvertisingReport.reports(inEvent: truncated) }
        }
        var claimsMore = event
        claimsMore[3] = 25   // 25 reports, one there
        #expect(throws: BtsnoopError.Problem.self) { try LEAdvertisingReport.reports(inEvent: claimsMore) }
        let extended = CaptureBytes.extendedEvent(gaen, rssi: -50)
        #expect(throws: BtsnoopError.Problem.self) { try LEAdvertisingReport.reports(inEvent: Array(extended.prefix(20))) }
    }
}
