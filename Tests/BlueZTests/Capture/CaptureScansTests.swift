@testable import BlueZ
import ExposureNotification
import Foundation
import Testing

struct CaptureScansTests {
    let start = 1_764_000_000.0

    /// Two scan windows 240 s apart on hci0, one on hci1, non-GAEN adverts between.
    func capture(datalink: UInt32 = 2001) -> CaptureBytes {
        var capture = CaptureBytes(datalink: datalink)
        func add(_ event: [UInt8], index: UInt16 = 0, at offset: Double) {
            if datalink == 2001 { capture.monitorEvent(event, index: index, time: start + offset) } else { capture.uartEvent(event, time: start + offset) }
        }
        let a = CaptureBytes.gaenData(CaptureBytes.payload(1)), b = CaptureBytes.gaenData(CaptureBytes.payload(2))
        add(CaptureBytes.legacyEvent([(a, -50)]), at: 0.2)
        add(CaptureBytes.legacyEvent([(CaptureBytes.otherData, -30)]), at: 0.3)
        add(CaptureBytes.legacyEvent([(a, -61)]), at: 1.1)
        add(CaptureBytes.extendedEvent(b, rssi: -80), at: 2.0)
        add(CaptureBytes.legacyEvent([(a, -60)]), at: 3.9)
        add(CaptureBytes.legacyEvent([(a, -70)]), at: 240.5)
        if datalink == 2001 { add(CaptureBytes.legacyEvent([(b, -45)]), index: 1, at: 100) }
        return capture
    }

    @Test func groupsAsTheAgentDoes() throws {
        let (sightings, summary) = try CaptureScans.read(capture().data, configuration: .init(keepsPackets: true))
        #expect(summary.records == 7 && summary.advertisingReports == 7 && summary.gaenReports == 6)
        #expect(summary.scanInstances == 3 && summary.controllers == [0, 1])
        try #require(sightings.count == 4)
        let first = sightings[0].sighting
        #expect(first.rpi == CaptureBytes.payload(1).rpi && first.time == Int64(start))
        #expect(first.rssiMax == -50 && first.rssiMean == -57 && first.secondsSinceLastScan == 240 && first.adapter == 0)
        #expect(sightings[0].rssiPackets == [-50, -61, -60])
        #expect(sightings[1].sighting.rpi == CaptureBytes.payload(2).rpi && sightings[1].sighting.rssiMean == -80)
        #expect(sightings[2].sighting.adapter == 1 && sightings[2].sighting.rssiMean == -45)
        let later = sightings[3].sighting
        #expect(later.time == Int64(start + 240.5) && later.secondsSinceLastScan == 240 && later.rssiMax == -70)

        // The same as ScanWindow makes from the same reports.
        var window = ScanWindow(adapter: 0, defaultSpan: 240)
        window.open(at: start + 0.2)
        for rssi in [-50, -61, -60] { window.report(CaptureBytes.payload(1), rssi: rssi) }
        window.report(CaptureBytes.payload(2), rssi: -80)
        #expect(window.close() == [sightings[0].sighting, sightings[1].sighting])
    }

    @Test func uartLogsGiveTheSameSightings() throws {
        let monitor = try CaptureScans.read(capture().data, configuration: .init(controllers: [0])).sightings
        let uart = try CaptureScans.read(capture(datalink: 1002).data).sightings
        #expect(monitor == uart)
        #expect(uart.allSatisfy { $0.rssiPackets.isEmpty })
    }

    @Test func gapsPeriodAndControllersAreOptions() throws {
        let close = try CaptureScans.read(capture().data, configuration: .init(scanGap: 1, scanPeriod: 60, controllers: [0])).sightings
        // A gap over 1 s splits the first window: a and b at 0.2–2.0, a at 3.9, a at 240.5 (at most 2 × 60 s).
        #expect(close.map(\.sighting.secondsSinceLastScan) == [60, 60, 4, 120])
        #expect(try CaptureScans.read(capture().data, configuration: .init(controllers: [5])).sightings.isEmpty)
    }

    @Test func aClockSteppingBackStartsAnInstance() {
        var scans = CaptureScans()
        scans.add(CaptureBytes.payload(1), rssi: -50, at: start, controller: 0)
        scans.add(CaptureBytes.payload(1), rssi: -50, at: start - 5, controller: 0)
        let sightings = scans.finish()
        #expect(sightings.count == 2 && scans.summary.scanInstances == 2)
        #expect(sightings.map(\.sighting.secondsSinceLastScan).contains(0))
    }
}
