import AgentTime
@testable import BLEAgent
import TOMLConfiguration
import BlueZ
import ExposureNotification
import Foundation
import Testing

struct ConfigurationTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("systemd/bleagent.toml").path

    @Test func theShippedFileIsValidAndGivesTheDefaults() throws {
        let configuration = try AgentConfiguration.load(path: Self.shipped)
        #expect(configuration.scanWindowSeconds == 4 && configuration.scanPeriodSeconds == 240)
        #expect(configuration.rpiCapPerDay == 100_000 && configuration.risk == .cocoa)
        #expect(configuration.sources.isEmpty && configuration.publicKeys.isEmpty)
    }

    @Test func everySectionIsRead() throws {
        let pem = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzf
            YHc1cKvIIi6/H56AJS/kZEYQnfDpxrgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==
            -----END PUBLIC KEY-----
            """
        let text = """
            [agent]
            state_directory = "/tmp/x"
            clock = "speed=30,origin=1764000000"
            [radio]
            adapter = "hci1"
            scan_window_seconds = 3
            scan_period_seconds = 60
            tx_power_dbm = -7
            [store]
            rpi_cap_per_day = 5000
            [keys]
            download_interval_hours = 0.5
            risk = "classic-1m-15min"
            [[keys.source]]
            name = "cocoa"
            base = "https://keys.example.org/"
            region = "440"
            [[keys.source]]
            index_txt = "http://127.0.0.1:8080/index.txt"
            [[keys.public_key]]
            id = "440"
            version = "v1"
            pem = \"\"\"
            \(pem)\"\"\"
            [notify]
            hook = "/bin/true"
            """
        let configuration = try AgentConfiguration.parse(text, path: "test.toml")
        #expect(configuration.stateDirectory == "/tmp/x")
        #expect(configuration.clock == AgentClock(origin: 1_764_000_000, speed: 30))
        #expect(configuration.adapter == "hci1" && configuration.scanWindowSeconds == 3 && configuration.txPowerSetting == -7)
        #expect(configuration.rpiCapPerDay == 5000 && configuration.downloadIntervalHours == 0.5 && configuration.risk == .classic)
        #expect(configuration.sources.map(\.url.absoluteString) == ["https://keys.example.org/c19r/440/list.json", "http://127.0.0.1:8080/index.txt"])
        #expect(configuration.sources.map(\.name) == ["cocoa", "source2"])
        #expect(configuration.publicKeys.map(\.id) == ["440"])
        #expect(configuration.hook == "/bin/true")
    }

    @Test(arguments: [
        ("[radio]\nscan_window_seconds = \"four\"\n", "[radio] scan_window_seconds", "expected a number"),
        ("[radio]\nscan_windw_seconds = 4\n", "[radio] scan_windw_seconds", "unknown key"),
        ("[radio]\nscan_window_seconds = 400\n", "[radio] scan_window_seconds", "expected 1.0…60.0"),
        ("[radio]\nscan_window_seconds = 10\nscan_period_seconds = 10.5\n[store]\nrpi_cap_per_day = 10\n", "[store] rpi_cap_per_day", "expected 1000"),
        ("[agent]\nclock = \"fast\"\n", "[agent] clock", "speed=N"),
        // A clock so far off that no date holds it is refused, not a trap later (it was rc 132).
        ("[agent]\nclock = \"offset=1e300\"\n", "[agent] clock", "speed=N"),
        ("[agent]\nclock = \"origin=-5,speed=30\"\n", "[agent] clock", "speed=N"),
        ("[agent]\nclock = \"speed=1e12\"\n", "[agent] clock", "speed=N"),
        ("[keys]\nrisk = \"/nonexistent.json\"\n", "[keys] risk", "neither a preset"),
        ("[[keys.source]]\nname = \"x\"\n", "[keys.source[1]] list_json", "needs list_json"),
        ("[[keys.source]]\nlist_json = \"ftp://x/list.json\"\n", "[keys.source[1]] list_json", "https URL"),
        // Plain http off this machine: the index and registration are not signed.
        ("[[keys.source]]\nlist_json = \"http://keys.example.org/list.json\"\n", "[keys.source[1]] list_json", "only https"),
        ("[[keys.source]]\nbase = \"http://192.0.2.1\"\nregion = \"440\"\n", "[keys.source[1]] base", "allow_insecure_http = true in [keys]"),
        ("[registration]\nserver = \"http://en.example.org\"\n", "[registration] server", "only https"),
        ("[[keys.public_key]]\nid = \"1\"\nversion = \"v1\"\npem = \"/nonexistent.pem\"\n", "[keys.public_key[1]] pem", "cannot read"),
        ("[bogus]\nx = 1\n", "bogus", "unknown key"),
        ("[[keys.source]]\nlist_json = \"https://k.example.org/list.json\"\n", "[keys] public_key", "could not be verified"),
    ])
    func badValuesNameTheKey(text: String, location: String, problem: String) {
        do {
            _ = try AgentConfiguration.parse(text, path: "bad.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.location == location, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
            #expect(error.description.hasPrefix("bad.toml: "))
        }
    }

    @Test func plainHTTPIsUsedOnlyOnLoopbackOrWhenAllowed() throws {
        let trial = try AgentConfiguration.parse("""
            [keys]
            allow_insecure_http = true
            allow_unverified_files = true
            [[keys.source]]
            list_json = "http://192.0.2.1/list.json"
            [registration]
            allow_insecure_http = true
            server = "http://192.0.2.1:8000"
            """, path: "t.toml")
        #expect(trial.sources.count == 1 && trial.registrationServer?.host == "192.0.2.1")
        let security = TransportSecurity()
        for url in ["https://keys.example.org/x", "http://127.0.0.1:8080/x", "http://127.3.4.5/x", "http://localhost/x", "http://[::1]:80/x"] {
            #expect(security.refusal(URL(string: url)!, table: "keys") == nil, "\(url)")
        }
        for url in ["http://keys.example.org/x", "http://128.0.0.1/x", "http://127.0.0.1.example.org/x", "http://[::2]/x", "ftp://127.0.0.1/x",
                    "http://localhost.example.org/x"] {
            #expect(security.refusal(URL(string: url)!, table: "keys") != nil, "\(url)")
        }
        #expect(TransportSecurity(allowInsecureHTTP: true).refusal(URL(string: "http://keys.example.org/x")!, table: "keys") == nil)
    }

    @Test func unverifiedFilesAreUsedOnlyWhenAllowedAndNoKeyIsConfigured() throws {
        let source = "[[keys.source]]\nlist_json = \"https://k.example.org/list.json\"\n"
        let allowed = try AgentConfiguration.parse("[keys]\nallow_unverified_files = true\n" + source, path: "t.toml")
        #expect(allowed.signaturePolicy == .allowUnverified)
        #expect(AgentConfiguration().signaturePolicy == .requireValid)
    }

    @Test func syntaxErrorsNameTheLine() {
        do {
            _ = try AgentConfiguration.parse("[radio]\nadapter = \"hci0\"\nscan_window_seconds = = 3\n", path: "bad.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.location == "line 3", "\(error)")
        }
    }

    @Test func aMissingFileIsAnErrorOnlyWhenNamed() {
        #expect(throws: ConfigurationError.self) { try AgentConfiguration.load(path: "/nonexistent/bleagent.toml") }
    }
}
