@testable import FieldTrials
import Testing

struct DumpsysParserTests {
    /// The shapes of the real logs: preamble, tabs and runs of spaces, `fake` RPIs, `(?s)` lengths, `-0500` offsets.
    static let sample = """
    Part of the MITLL-UA data series included with Exposure Visualization Tool

        Flags:
          rssi_offset = 9
          tx_calibration_power = -32
          calibration_confidence = 3
        Advertisement records:
          2021-02-22T10:09:09-05\tRPI=5EE80A629A96E9D5CB42C33B222365EC\tTEK=#0\tintervalNum=2690010 (2021-02-22T10:00:00-05)\tmetadata=5CE00000 (ver=92, txPower=-32)\tencryptedMeta=C52F77AA
          2021-02-22T10:40:00-05    RPI=fake    TEK=#0  intervalNum=2690158 (2021-02-22T10:40:00-05)    metadata=fake (ver=0, txPower=-32)       encryptedMeta=fake
        Sighting records:
          RPI=592dd2316badb8165b0dd337b2866959\tencryptedMetadata=B7083BE2
            2021-02-22T10:09:07-05 (4s) rssi=[-77, -66, -64]
            2021-02-22T10:12:20-0500 (?s) rssi=[-67]
    """

    @Test func readsFlagsAdvertisementsAndScans() throws {
        let log = try DumpsysParser.parse(Self.sample, file: "07_dumpsys.txt")
        #expect(log.rssiOffset == 9 && log.txCalibrationPower == -32)
        #expect(log.advertisements == [.init(rpi: "5EE80A629A96E9D5CB42C33B222365EC", txPower: -32)])
        #expect(log.fakeAdvertisements == 1)
        #expect(log.sightings.count == 1 && log.sightings[0].rpi == "592DD2316BADB8165B0DD337B2866959")
        #expect(log.sightings[0].scans == [.init(start: 1_614_006_547, lengthSeconds: 4, rssi: [-77, -66, -64]),
                                           .init(start: 1_614_006_740, lengthSeconds: nil, rssi: [-67])])
    }

    @Test func aniPhoneLogHasNoFlagsAndNoSightings() throws {
        let log = try DumpsysParser.parse("""
            Advertisement records:
              2021-02-22T10:00:00-05  RPI=592DD2316BADB8165B0DD337B2866959  TEK=#0  intervalNum=2690010 (2021-02-22T10:00:00-05) metadata=fake (ver=0, txPower=0) encryptedMeta=B7083BE2
            Sighting records:
            """, file: "20_dumpsys.txt")
        #expect(log.rssiOffset == nil && log.advertisements.map(\.txPower) == [0] && log.sightings.isEmpty)
    }

    @Test func readingsOutOfRangeAreDroppedAndCounted() throws {
        let log = try DumpsysParser.parse("""
            Sighting records:
              RPI=592DD2316BADB8165B0DD337B2866959
                2021-02-22T10:41:29-05 (3s) rssi=[-67, 66, -64]
                2021-02-22T10:45:29-05 (3s) rssi=[-4294967292]
            """, file: "07_dumpsys.txt")
        #expect(log.sightings[0].scans.map(\.rssi) == [[-67, -64]])
        #expect(log.discardedReadings == 2)
    }

    @Test(arguments: [
        ("    Sighting records:\n      2021-02-22T10:09:07-05 (4s) rssi=[-77]", 2, "before any RPI"),
        ("    Sighting records:\n      RPI=592DD2316BADB8165B0DD337B2866959\n        2021-02-22T10:09:07-05 (4s) rssi=[-77, x]", 3, "RSSI x"),
        ("    Sighting records:\n      RPI=592DD2316BADB8165B0DD337B2866959\n        2021-02-22T10:09:07-05 (4s) rssi=[]", 3, "no RSSI"),
        ("    Sighting records:\n      RPI=592DD2\n", 2, "32 hex"),
        ("    Flags:\n      rssi_offset = nine", 2, "rssi_offset"),
        ("    Advertisement records:\n      2021-02-22T10:09:09-05 RPI=5EE80A629A96E9D5CB42C33B222365EC metadata=5CE00000", 2, "txPower"),
    ])
    func malformedLinesNameFileAndLine(text: String, line: Int, words: String) {
        #expect {
            try DumpsysParser.parse(text, file: "x_dumpsys.txt")
        } throws: { error in
            guard let error = error as? FieldDataError else { return false }
            return error.file == "x_dumpsys.txt" && error.line == line && error.kind == .malformed && error.reason.contains(words)
        }
    }
}
