@testable import BLEAgent
import ExposureNotification
import Foundation
import Testing

/// Sightings files: JSON lines and CSV written and read back alike, packets checked, errors placed.
struct SightingsFileTests {
    func temporaryFile(_ contents: Data, suffix: String = "") throws -> String {
        let path = NSTemporaryDirectory() + UUID().uuidString + suffix
        try contents.write(to: URL(fileURLWithPath: path))
        return path
    }

    func entries() -> [SightingsFile.Entry] {
        let rpi = RollingProximityIdentifier(Block16(lo: 0x0011_2233_4455_6677, hi: 0x8899_AABB_CCDD_EEFF))
        let other = RollingProximityIdentifier(Block16(lo: 1, hi: 2))
        return [
            .init(sighting: Sighting(rpi: rpi, aem: AssociatedEncryptedMetadata(rawValue: 0x0102_0304), time: 1_764_000_000,
                                     rssiMax: -50, rssiMean: -57, secondsSinceLastScan: 240), rssiPackets: [-50, -61, -60]),
            .init(sighting: Sighting(rpi: other, aem: AssociatedEncryptedMetadata(rawValue: 7), time: 1_764_000_240,
                                     rssiMax: -128, rssiMean: -128, secondsSinceLastScan: 0), rssiPackets: [-128]),
        ]
    }

    @Test func bothFormatsRoundTripWithAndWithoutPackets() throws {
        for format in SightingsFile.Format.allCases {
            let path = try temporaryFile(SightingsFile.encode(entries(), format: format))
            #expect(try SightingsFile.readEntries(path) == entries(), "\(format)")
            let bare = entries().map { SightingsFile.Entry(sighting: $0.sighting, rssiPackets: nil) }
            let barePath = try temporaryFile(SightingsFile.encode(bare, format: format))
            #expect(try SightingsFile.readEntries(barePath) == bare, "\(format)")
            #expect(try SightingsFile.read(barePath).sightings == bare.map(\.sighting))
        }
    }

    @Test func csvLooksAsDocumented() {
        let text = String(decoding: SightingsFile.encode(entries(), format: .csv), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "time,rpi,aem,rssi,rssi_max,seconds_since_last_scan,rssi_packets")
        #expect(lines[1] == "1764000000,00112233445566778899aabbccddeeff,01020304,-57,-50,240,-50;-61;-60" || lines[1].hasPrefix("1764000000,"))
        let bare = String(decoding: SightingsFile.encode(entries(), format: .csv, packets: false), as: UTF8.self)
        #expect(bare.hasPrefix("time,rpi,aem,rssi,rssi_max,seconds_since_last_scan\n"))
        #expect(SightingsFile.encode(entries(), format: .csv, header: false).first != UInt8(ascii: "t"))
    }

    @Test func formatFollowsTheOptionThenTheExtension() {
        #expect(SightingsFile.Format.of("a.CSV", explicit: nil) == .csv)
        #expect(SightingsFile.Format.of("a.jsonl", explicit: nil) == .jsonl)
        #expect(SightingsFile.Format.of("a", explicit: nil) == .jsonl)
        #expect(SightingsFile.Format.of("a.csv", explicit: .jsonl) == .jsonl)
    }

    @Test func csvColumnsAreFoundByTheHeader() throws {
        let text = """
            rpi, time ,aem,rssi,seconds_since_last_scan,adapter\r
            00112233445566778899aabbccddeeff,1700000000,01020304,-60,240,1\r

            """
        let read = try SightingsFile.readEntries(try temporaryFile(Data(text.utf8)))
        #expect(read.count == 1 && read[0].sighting.rssiMax == -60 && read[0].sighting.time == 1_700_000_000 && read[0].rssiPackets == nil)
    }

    @Test func badValuesAreNamedWithFileLineAndField() throws {
        let header = "time,rpi,aem,rssi,rssi_max,seconds_since_last_scan,rssi_packets\n"
        let good = "1700000000,00112233445566778899aabbccddeeff,01020304,-57,-50,240,-50;-61;-60\n"
        let csvCases: [(String, String)] = [
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-57,-50,240,-50;-61;-600", "rssi_packets must be"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-57,-50,240,-50;x", "rssi_packets must be integers"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-57,-49,240,-50;-61;-60", "rssi_max"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-52,-50,240,-50;-61;-60", "is not the mean of rssi_packets"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-57,-50,240", "columns"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,,-50,240,", "rssi is empty"),
            ("1.5,00112233445566778899aabbccddeeff,01020304,-57,-50,240,", "time must be an integer"),
            ("1700000000,0011,01020304,-57,-50,240,", "rpi must be 32 hex digits"),
            ("1700000000,00112233445566778899aabbccddeeff,01020304,-57,-50,70000,", "seconds_since_last_scan"),
        ]
        for (line, message) in csvCases {
            let path = try temporaryFile(Data((header + good + line + "\n").utf8))
            do {
                _ = try SightingsFile.read(path)
                Issue.record("accepted: \(line)")
            } catch let error as CLIError {
                #expect(error.message.hasPrefix("\(path):3: "), "\(error.message)")
                #expect(error.message.contains(message), "\(error.message)")
                #expect(error.exitCode.rawValue == 65)
            }
        }
        let jsonCases: [(String, String)] = [
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -57, "rssi_packets": [], "seconds_since_last_scan": 1}"#, "rssi_packets must be"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -57, "rssi_packets": [-50, 30], "seconds_since_last_scan": 1}"#, "rssi_packets must be"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -70, "rssi_packets": [-50, -60], "seconds_since_last_scan": 1}"#, "mean"),
        ]
        let goodJSON = #"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -55, "rssi_packets": [-50, -60], "seconds_since_last_scan": 1}"#
        // Without rssi_max, the packets' strongest is taken.
        #expect(try SightingsFile.read(try temporaryFile(Data((goodJSON + "\n").utf8)))[0].rssiMax == -50)
        for (line, message) in jsonCases {
            let path = try temporaryFile(Data((goodJSON + "\n" + line + "\n").utf8))
            #expect(throws: CLIError.self) { try SightingsFile.read(path) }
            do { _ = try SightingsFile.read(path) } catch let error as CLIError {
                #expect(error.message.hasPrefix("\(path):2: ") && error.message.contains(message), "\(error.message)")
            }
        }
        let notSightings = try temporaryFile(Data("hello,world\n".utf8))
        #expect(throws: CLIError.self) { try SightingsFile.read(notSightings) }
    }

    @Test func aCaptureReadsAsSightings() throws {
        // The smallest capture: header, one LE Advertising Report of a GAEN advert (monitor datalink).
        let payload = AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: 5, hi: 6)), aem: AssociatedEncryptedMetadata(rawValue: 9))
        let data = payload.advertisingData
        let parameters: [UInt8] = [0x02, 1, 0x03, 0x01, 1, 2, 3, 4, 5, 6, UInt8(data.count)] + data + [UInt8(bitPattern: -66)]
        let event: [UInt8] = [0x3E, UInt8(parameters.count)] + parameters
        func be(_ value: UInt64, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(bytes - 1 - $0))) } }
        let stamp: UInt64 = 0x00DC_DDB3_0F2F_8000 + 1_764_000_000_000_000
        let capture = Array("btsnoop".utf8) + [0] + be(1, 4) + be(2001, 4)
            + be(UInt64(event.count), 4) + be(UInt64(event.count), 4) + be(3, 4) + be(0, 4) + be(stamp, 8) + event
        let table = try SightingsFile.read(try temporaryFile(Data(capture)))
        #expect(table.count == 1 && table[0].rpi == payload.rpi && table[0].rssiMean == -66 && table[0].time == 1_764_000_000)
        let broken = try temporaryFile(Data(capture.dropLast(3)))
        do {
            _ = try SightingsFile.read(broken)
            Issue.record("a truncated capture was accepted")
        } catch let error as CLIError {
            #expect(error.message.hasPrefix("\(broken): record 1: the file ends early") && error.exitCode.rawValue == 65, "\(error.message)")
        }
    }
}
