@testable import BLEAgent
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// The CLI's input parsing: errors name the file, line and field.
struct CLIInputTests {
    func temporaryFile(_ contents: String, name: String = UUID().uuidString) throws -> String {
        let path = NSTemporaryDirectory() + name
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func sightingsFileNamesTheBadLine() throws {
        let good = #"{"time": 1700000000, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -60, "seconds_since_last_scan": 240}"#
        let table = try SightingsFile.read(try temporaryFile(good + "\n\n" + good + "\n"))
        #expect(table.count == 2)
        #expect(table[0].rssiMax == -60 && table[0].secondsSinceLastScan == 240)
        // `radio test --sightings-out` writes the scan's strongest packet too: it is kept (it was dropped).
        let withMax = #"{"time": 1700000000, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -60, "rssi_max": -52, "seconds_since_last_scan": 240}"#
        let kept = try SightingsFile.read(try temporaryFile(withMax + "\n"))
        #expect(kept[0].rssiMax == -52 && kept[0].rssiMean == -60)
        let cases: [(String, String)] = [
            (#"{"time": 1, "rpi": "0011", "aem": "01020304", "rssi": -60, "seconds_since_last_scan": 1}"#, "rpi must be 32 hex digits"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "0102", "rssi": -60, "seconds_since_last_scan": 1}"#, "aem must be 8 hex digits"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": 40, "seconds_since_last_scan": 1}"#, "rssi"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -60}"#, "seconds_since_last_scan"),
            (#"{"time": 1, "rpi": "00112233445566778899aabbccddeeff", "aem": "01020304", "rssi": -60, "rssi_max": -70, "seconds_since_last_scan": 1}"#, "rssi_max"),
            ("not json", "line"),
        ]
        for (line, message) in cases {
            let path = try temporaryFile(good + "\n" + line + "\n")
            do {
                _ = try SightingsFile.read(path)
                Issue.record("accepted: \(line)")
            } catch let error as CLIError {
                #expect(error.message.hasPrefix("\(path):2: "), "\(error.message)")
                #expect(error.message.contains(message) || message == "line", "\(error.message)")
                #expect(error.exitCode.rawValue == 65)
            }
        }
    }

    @Test func publicKeyOptionBindsIDAndVersion() throws {
        let pem = try temporaryFile("""
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzf
            YHc1cKvIIi6/H56AJS/kZEYQnfDpxrgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==
            -----END PUBLIC KEY-----
            """)
        let options = try KeyringOptions.parse(["--public-key", pem, "--public-key", "310=\(pem)", "--public-key", "some_id:1=\(pem)"])
        let keys = try options.keyring().keys
        #expect(keys.map(\.id) == [nil, "310", "some_id"])
        #expect(keys.map(\.version) == [nil, nil, "1"])
        let broken = try temporaryFile("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        #expect(throws: CLIError.self) { try KeyringOptions.parse(["--public-key", broken]).keyring() }
        #expect(throws: CLIError.self) { try KeyringOptions.parse(["--public-key", "/nonexistent.pem"]).keyring() }
    }

    @Test func keyJSONAcceptsReportTypeNamesAndChecksFields() throws {
        let json = #"[{"key_data":"00112233445566778899aabbccddeeff","rolling_start_interval_number":2650000,"report_type":"self_report"},"# +
                   #"{"key_data":"00112233445566778899aabbccddeeff","rolling_start_interval_number":2650000,"report_type":2,"revised":true}]"#
        let entries = try SnakeCaseJSON.decoder().decode([KeyJSON].self, from: Data(json.utf8))
        #expect(try entries[0].key(index: 0).reportType == .selfReport)
        #expect(try entries[0].key(index: 0).rollingPeriod == 144)
        #expect(try entries[1].key(index: 1).reportType == .confirmedClinicalDiagnosis)
        #expect(entries[1].revised == true)
        var bad = entries[0]
        bad.keyData = "0011"
        #expect(throws: CLIError.self) { try bad.key(index: 4) }
        bad = entries[0]
        bad.reportType = 9
        do { _ = try bad.key(index: 4); Issue.record("accepted report_type 9") } catch let error as CLIError {
            #expect(error.message == "key #5: report_type 9 is not 0…5")
        }
    }

    @Test func riskOptionTakesPresetsOrFiles() throws {
        #expect(try RiskOption.load(nil) == .cocoa)
        #expect(try RiskOption.load("classic-1m-15min") == .classic)
        let file = try temporaryFile(#"{"name":"mine","minimum_daily_score":100}"#)
        #expect(try RiskOption.load(file).minimumDailyScore == 100)
        let invalid = try temporaryFile(#"{"attenuation_weights":[1]}"#)
        do { _ = try RiskOption.load(invalid); Issue.record("accepted") } catch let error as CLIError {
            #expect(error.message.contains("attenuation_weights"))
        }
        #expect(throws: CLIError.self) { try RiskOption.load("no-such-preset-or-file") }
    }
}
