@testable import BlueZ
import Foundation
import Testing

struct BtsnoopReaderTests {
    @Test func monitorCaptureYieldsEventsWithControllerAndTime() throws {
        var capture = CaptureBytes(datalink: 2001)
        capture.record(flags: 0, time: 1_764_000_000, Array(repeating: 0, count: 16))       // New Index
        capture.record(flags: 1 << 16 | 2, time: 1_764_000_000.5, [0x0C, 0x20, 0x02, 0x01, 0x00])   // a command: skipped
        capture.monitorEvent(CaptureBytes.legacyEvent([(CaptureBytes.gaenData(CaptureBytes.payload(1)), -60)]), index: 1, time: 1_764_000_001.25)
        var reader = try BtsnoopReader(capture.data)
        #expect(reader.datalink == .linuxMonitor)
        let event = try #require(try reader.nextEvent())
        #expect(event.record == 3 && event.controller == 1 && event.time == 1_764_000_001.25)
        #expect(event.bytes.first == 0x3E)
        #expect(try reader.nextEvent() == nil)
        #expect(reader.records == 3)
    }

    @Test func uartCaptureDropsThePacketType() throws {
        var capture = CaptureBytes(datalink: 1002)
        capture.record(flags: 0b10, time: 1_764_000_000, [0x01, 0x0C, 0x20, 0x02, 0x01, 0x00])   // command (type 1): skipped
        capture.record(flags: 0b01, time: 1_764_000_000, [0x02, 0x00, 0x20, 0x00, 0x00])          // ACL: skipped
        let event = CaptureBytes.legacyEvent([(CaptureBytes.otherData, -70)])
        capture.uartEvent(event, time: 1_764_000_002)
        var reader = try BtsnoopReader(capture.data)
        let read = try #require(try reader.nextEvent())
        #expect(read.bytes == event && read.controller == 0 && read.record == 3)
    }

    @Test func headerProblemsAreNamed() {
        let cases: [([UInt8], BtsnoopError.Problem)] = [
            (Array("{\"time\": 1}".utf8), .notBtsnoop),
            ([], .notBtsnoop),
            (Array("btsnoop".utf8), .truncated(needed: 16, available: 7)),
            (CaptureBytes(datalink: 2001, version: 2).bytes, .unsupportedVersion(2)),
            (CaptureBytes(datalink: 1003).bytes, .unsupportedDatalink(1003)),
        ]
        for (bytes, problem) in cases {
            #expect(throws: BtsnoopError(problem, record: nil)) { try BtsnoopReader(Data(bytes)) }
        }
    }

    @Test func truncatedAndHostileRecordsAreNamedNeverTrusted() throws {
        let event = CaptureBytes.legacyEvent([(CaptureBytes.gaenData(CaptureBytes.payload(1)), -60)])
        var good = CaptureBytes(datalink: 2001)
        good.monitorEvent(event, time: 1_764_000_000)

        var cut = good
        cut.monitorEvent(event, time: 1_764_000_001)
        cut.bytes.removeLast(5)
        var cutHeader = good
        cutHeader.bytes += [0, 0, 0, 9, 0, 0]
        var huge = good
        huge.record(flags: 3, time: 1_764_000_001, [0x3E, 0x01], original: .max, included: .max)   // claims 4 GiB
        var lying = good
        lying.record(flags: 3, time: 1_764_000_001, [0x3E, 0x01], original: 1, included: 2)
        var early = good
        early.bytes += CaptureBytes.be32(2) + CaptureBytes.be32(2) + CaptureBytes.be32(3) + CaptureBytes.be32(0) + CaptureBytes.be64(5) + [0x3E, 0]
        var shortEvent = good
        shortEvent.monitorEvent([0x3E], time: 1_764_000_001)
        var overlong = good
        overlong.monitorEvent([0x3E, 0x30, 0x02, 0x01], time: 1_764_000_001)

        let cases: [(CaptureBytes, BtsnoopError.Problem)] = [
            (cut, .truncated(needed: event.count, available: event.count - 5)),
            (cutHeader, .truncated(needed: 24, available: 6)),
            (huge, .truncated(needed: Int(UInt32.max), available: 2)),
            (lying, .includedLongerThanOriginal(included: 2, original: 1)),
            (early, .implausibleTime(5)),
            (shortEvent, .malformedEvent("1 bytes, shorter than an event header")),
            (overlong, .malformedEvent("parameter length 48 but 2 bytes in the record")),
        ]
        for (capture, problem) in cases {
            var reader = try BtsnoopReader(capture.data)
            #expect(try reader.nextEvent() != nil)
            #expect(throws: BtsnoopError(problem, record: 2)) { _ = try reader.nextEvent() }
        }
        // A bound on the records a file may make the reader walk through.
        var many = CaptureBytes(datalink: 2001)
        for second in 0..<5 { many.record(flags: 2, time: 1_764_000_000 + Double(second), [0x01, 0x20, 0x00]) }
        var bounded = try BtsnoopReader(many.data, maximumRecords: 3)
        #expect(throws: BtsnoopError(.tooManyRecords(limit: 3), record: 4)) { _ = try bounded.nextEvent() }
        #expect(BtsnoopError(.tooManyRecords(limit: 3), record: 4).description.hasPrefix("record 4: "))
    }

    @Test func readsFromASliceOfLargerData() throws {
        var capture = CaptureBytes(datalink: 2001)
        capture.monitorEvent(CaptureBytes.legacyEvent([(CaptureBytes.otherData, -70)]), time: 1_764_000_000)
        let padded = Data([9, 9, 9] + capture.bytes)
        var reader = try BtsnoopReader(padded.dropFirst(3))
        #expect(try reader.nextEvent()?.bytes.first == 0x3E)
    }
}
