import Foundation
@testable import NotificationServer
import TOMLConfiguration
import TestSupport
import Testing

struct ServerConfigurationTests {
    @Test func theShippedFileHoldsTheDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../systemd/server.toml").standardizedFileURL.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parsed = try ServerConfiguration.parse(text, path: path)
        let defaults = ServerConfiguration()
        #expect(parsed.host == defaults.host && parsed.port == defaults.port && parsed.dataDirectory == defaults.dataDirectory)
        #expect(parsed.databaseURL == defaults.databaseURL && parsed.regions == defaults.regions && parsed.minimumKeys == defaults.minimumKeys)
        #expect(parsed.attemptsPerClientPerHour == defaults.attemptsPerClientPerHour && parsed.failedAttemptsPerHour == defaults.failedAttemptsPerHour)
        #expect(parsed.embargoMinutes == 120 && parsed.retentionDays == 14 && parsed.numberLifetimeMinutes == 60)
        #expect(parsed.leaseSeconds == defaults.leaseSeconds && parsed.mirrorDirectory == defaults.mirrorDirectory)
        #expect(parsed.secretSettings.isEmpty && parsed.trustedProxies.isEmpty && parsed.instance == nil)
    }

    /// Secrets come from [secrets], a systemd credential, or the data directory, in that order.
    @Test func secretsAreFoundWhereTheConfigurationAndSystemdPutThem() throws {
        let directory = TemporaryDirectory()
        let credentials = "\(directory.path)/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: "\(credentials)/admin-token", contents: Data("x".utf8)))
        let configuration = try ServerConfiguration.parse("""
            [server]
            data_directory = "/srv/data"
            [secrets]
            number_secret = "/etc/keys/number"
            signing_key = "credential:signer"
            """, path: "server.toml")
        let environment = ["CREDENTIALS_DIRECTORY": credentials]
        #expect(configuration.secretFile(.numberSecret, environment: environment) == "/etc/keys/number")
        #expect(configuration.secretFile(.signingKey, environment: environment) == "\(credentials)/signer")
        #expect(configuration.secretFile(.adminToken, environment: environment) == "\(credentials)/admin-token")
        #expect(configuration.secretFile(.adminToken, environment: [:]) == "/srv/data/admin-token")
        // init never creates a credential: systemd provides it or nobody does.
        var missing = configuration
        missing.dataDirectory = "\(directory.path)/data"
        missing.secretSettings = [.numberSecret: "credential:absent"]
        #expect(throws: ServerError.self) { _ = try ServerSecrets.create(missing, environment: environment) }
        #expect(!FileManager.default.fileExists(atPath: "\(credentials)/absent"))
    }

    @Test func mistakesNameTheKey() {
        func problem(_ text: String) -> String? {
            do {
                _ = try ServerConfiguration.parse(text, path: "server.toml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem("[server]\nlisten = \"localhost\"")?.contains("[server] listen") == true)
        #expect(problem("[database]\nurl = \"mysql://x\"")?.contains("[database] url") == true)
        #expect(problem("[registration]\nregions = [\"44 0\"]")?.contains("[registration] regions") == true)
        #expect(problem("[export]\nminimum_keys = -1")?.contains("[export] minimum_keys") == true)
        #expect(problem("[exports]\n")?.contains("unknown key") == true)
        #expect(problem("[secrets]\nnumber_secret = \"\"")?.contains("[secrets] number_secret") == true)
        #expect(problem("[server]\ninstance = \"a b\"")?.contains("[server] instance") == true)
        #expect(problem("[server]\ntrusted_proxies = [\"nginx\"]")?.contains("[server] trusted_proxies") == true)
        #expect(problem("[export]\nlease_seconds = 1")?.contains("[export] lease_seconds") == true)
        #expect(problem("[server\n")?.contains("line 1") == true)
    }

    @Test func overridesAreRead() throws {
        let parsed = try ServerConfiguration.parse("""
            [server]
            listen = "[::1]:9000"
            public_url = "https://keys.example.org"
            clock = "offset=3600"
            [database]
            url = "postgres://u:p@db:5432/en"
            """, path: "server.toml")
        #expect(parsed.host == "::1" && parsed.port == 9000 && parsed.effectivePublicURL == "https://keys.example.org")
        #expect(parsed.clock.offset == 3600 && parsed.databaseURL.hasPrefix("postgres://"))
    }
}
