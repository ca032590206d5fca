import ExposureNotification
@testable import FieldTrials
import Testing

struct PiCaptureTests {
    static let header = "Timestamp,MAC,RSSI,UUID,RPI,Version,TX_Power,Reserved"

    /// Rows every 10 s for `minutes` minutes at `rssi`, from t = 1,588,128,000.
    static func rows(minutes: Int, rssi: Int) -> String {
        (0..<(minutes * 6)).map { "\(1_588_128_000 + $0 * 10).5,b8:27:eb:74:3e:15,\(rssi),fd6f,b1020304050607080910111213141516,40,0c,0000" }
            .joined(separator: "\r\n")
    }

    @Test func keepsGoodRowsAndCountsTheNonsense() throws {
        let capture = try PiCapture.parse(Self.header + "\r\n" + """
            1588128208.99,b8:27:eb:74:3e:15,-49,fd6f,b1020304050607080910111213141516,40,0c,0000
            1588128219.10,b8:27:eb:74:3e:15,-4294967292,fd6f,b1020304050607100011121314151640,0c,00,00cb
            1588128229.13,b8:27:eb:74:3e:15,-34,fd6f,b10203040506070c000000c5043e1e02,3e,2a,0000
            """, file: "c.csv")
        #expect(capture.packets == [.init(time: 1_588_128_208.99, rssi: -49, txPower: 12)])
        #expect(capture.discarded == 2)
    }

    @Test func malformedRowsNameTheLine() {
        #expect(throws: FieldDataError(file: "c.csv", line: 2, "7 fields, expected 8")) {
            try PiCapture.parse(Self.header + "\n1588128208.99,b8,-49,fd6f,b1,40,0c\n", file: "c.csv")
        }
        #expect(throws: FieldDataError(file: "c.csv", line: 3, "RSSI loud: expected a number")) {
            try PiCapture.parse(Self.header + "\n1588128208.99,b8,-49,fd6f,b1,40,0c,0000\n1588128209.99,b8,loud,fd6f,b1,40,0c,0000\n", file: "c.csv")
        }
        #expect(throws: FieldDataError.self) { try PiCapture.parse("1,2,3\n", file: "c.csv") }
    }

    /// 31 minutes at −50 dBm → 2 whole slices of 15 one-minute scans at 12 − (−50) = 62 dB. cocoa:
    /// medium bucket 900 s × 1.3 = 1,170 < 1,350 → not flagged; at −47 dBm (59 dB, near) 2,250 → flagged.
    @Test func slicesOfMinuteScans() throws {
        let quiet = try PiCapture.parse(Self.header + "\n" + Self.rows(minutes: 31, rssi: -50), file: "c.csv")
        let slices = PiReplay.slices(quiet)
        #expect(slices.count == 2 && slices.allSatisfy { $0.count == 15 })
        #expect(slices[0].allSatisfy { $0.typicalAttenuation == 62 && $0.secondsSinceLastScan == 60 })
        #expect(ReplayJudgement.judge(slices[0], configuration: .cocoa).flagged == false)
        #expect(ReplayJudgement.judge(slices[0], configuration: .cocoa).score == 1_170)
        let near = try PiCapture.parse(Self.header + "\n" + Self.rows(minutes: 16, rssi: -47), file: "c.csv")
        #expect(ReplayJudgement.judge(PiReplay.slices(near)[0], configuration: .cocoa).score == 2_250)
        let cases = PiReplay.cases([.init(distanceCentimetres: 150, receiver: "A", capture: quiet)])
        #expect(cases.count == 2 && cases.allSatisfy { $0.isClose(under: .sixFeet) == true && $0.isClose(under: .oneMetre) == false })
        #expect(PiReplay.summary(.init(distanceCentimetres: 150, receiver: "A", capture: quiet)).medianAttenuation == 62)
    }

    /// The same packets judged as bleagent calibrates a Pi (TX −13 dBm, correction −16 dB):
    /// −13 − (−50 − 16) = 53 dB, COCOA's near bucket: 900 s × 2.5 = 2,250 → flagged, where the +12 dBm
    /// the Pis advertised gave 62 dB and no contact.
    @Test func aCalibrationReplacesTheAdvertisedPower() throws {
        let quiet = try PiCapture.parse(Self.header + "\n" + Self.rows(minutes: 16, rssi: -50), file: "c.csv")
        let calibration = PiReplay.Calibration(txPower: -13, rssiCorrection: -16)
        let slice = try #require(PiReplay.slices(quiet, calibration: calibration).first)
        #expect(slice.allSatisfy { $0.typicalAttenuation == 53 })
        #expect(ReplayJudgement.judge(slice, configuration: .cocoa).score == 2_250)
        #expect(PiReplay.summary(.init(distanceCentimetres: 100, receiver: "B", capture: quiet), calibration: calibration).medianAttenuation == 53)
    }
}
