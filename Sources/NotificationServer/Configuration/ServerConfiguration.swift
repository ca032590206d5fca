import AgentTime
import ExposureNotification
import Foundation
import TOMLConfiguration

/// Everything `/etc/bleagent/server.toml` can set. Every key has a default, so `bleagent-server
/// serve` runs without a file (SQLite and keys under the data directory, loopback only).
public struct ServerConfiguration: Sendable {
    public static let standardPath = "/etc/bleagent/server.toml"

    /// `[server]`
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "/var/lib/bleagent-server"
    /// How agents reach the export files (list.json holds absolute URLs). Default: this server.
    public var publicURL: String?
    /// Serve the export folder over HTTP too (else another web server, object store or CDN does).
    public var serveExports = true
    /// `[server] idle_timeout_seconds`: a connection that sends nothing (not even the rest of its
    /// request) for this long is closed.
    public var idleTimeoutSeconds = 30
    /// `[server] max_connections`: connections open at once; more wait in the listen queue.
    public var maximumConnections = 4_000
    /// `[server] metrics`: serve `GET /metrics` (Prometheus) on the same listener.
    public var servesMetrics = true
    public var clock = AgentClock.real
    /// `[server] instance`: this instance's name among those sharing a database (the export lease's
    /// holder, in logs and `status`). Default: host name and process id.
    public var instance: String?
    /// `[server] trusted_proxies`: addresses of the load balancers in front; a request from one is
    /// counted against the client named in its X-Real-IP (else the last X-Forwarded-For entry).
    public var trustedProxies: [String] = []

    /// `[database] url`: "sqlite" (a file in the data directory), a path ending in .sqlite, or postgres://…
    public var databaseURL = "sqlite"
    /// `[database] password_file`: a file holding the PostgreSQL password, or credential:NAME.
    public var databasePasswordFile: String?
    /// `[database] tls` and `ca_file` (for verify-full; default: the system's roots).
    public var databaseTLS = PostgresSettings.TLSMode.disable
    public var databaseCAFile: String?
    /// `[database] connect_timeout_seconds`: how long opening PostgreSQL may take before the verb gives up (exit 69).
    public var databaseConnectTimeoutSeconds: Int64 = 10
    /// True for a PostgreSQL URL (else SQLite).
    public var usesPostgres: Bool { databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") }

    /// `[registration]`
    public var regions = ["440"]
    public var attemptsPerClientPerHour = 10
    public var failedAttemptsPerHour = 100
    public var numberLifetimeMinutes = 60
    /// Hands each automatically reissued number to the health centre's SMS/e-mail gateway; without
    /// it numbers are reissued only on request (`number reissue`, POST …/reissue).
    public var deliveryCommand: String?

    /// `[export]`
    public var exportIntervalMinutes = 60.0
    public var minimumKeys = 1_000
    public var keyID = "440"
    public var keyVersion = "v1"
    /// `[secrets]` number_secret, signing_key, admin_token: where each secret is read from (a path,
    /// or `credential:NAME` for systemd's `LoadCredential=`). `[export] signing_key` is the older
    /// name of `[secrets] signing_key`.
    public var secretSettings: [ServerSecret: String] = [:]
    /// `[export] lease_seconds`: another instance takes the exports over this long after their holder stopped.
    public var leaseSeconds = 120
    /// `[export] mirror_directory`: where the holder of the export lease also writes the files, for a
    /// static web server or CDN origin ("": nowhere; every instance serves them from the database).
    public var mirrorDirectoryPath: String?
    public var container = "c19r"
    public var retentionDays = Int(ContactJudgement.retentionDays)
    public var embargoMinutes = 120

    /// `[logs]`
    public var logsMaximumBytes = 1 << 20
    /// `[logs] retention_days`, `max_total_bytes`, `uploads_per_hour`: logs are deleted after this
    /// many days, the oldest first when all of them together would pass the total, and no more than
    /// this many are accepted in an hour from everyone together (5 per client).
    public var logsRetentionDays = 14
    public var logsMaximumTotalBytes = 256 << 20
    public var logsUploadsPerHour = 120

    public init() {}

    /// The export mirror, if any (default: `exports` in the data directory).
    public var mirrorDirectory: String? {
        guard let mirrorDirectoryPath else { return "\(dataDirectory)/exports" }
        return mirrorDirectoryPath.isEmpty ? nil : mirrorDirectoryPath
    }
    public var logDirectory: String { "\(dataDirectory)/logs" }
    public var publicKeyFile: String { "\(dataDirectory)/signing-key.pub.pem" }
    public var signingKeyFile: String { secretFile(.signingKey) }
    public var adminTokenFile: String { secretFile(.adminToken) }
    public var numberSecretFile: String { secretFile(.numberSecret) }
    public var instanceName: String { instance ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)" }

    /// Where `secret` is read from: the configured path; `credential:NAME` or, when the file exists
    /// there, its own name under `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=`); else the data directory.
    public func secretFile(_ secret: ServerSecret, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let credentials = environment["CREDENTIALS_DIRECTORY"]
        if let configured = secretSettings[secret] {
            guard configured.hasPrefix("credential:") else { return configured }
            return "\(credentials ?? "$CREDENTIALS_DIRECTORY")/\(configured.dropFirst("credential:".count))"
        }
        if let credentials, FileManager.default.fileExists(atPath: "\(credentials)/\(secret.rawValue)") {
            return "\(credentials)/\(secret.rawValue)"
        }
        return "\(dataDirectory)/\(secret.rawValue)"
    }
    public var effectivePublicURL: String { publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Reads `path`; without a path, the standard file if it exists, else the defaults.
    public static func load(path: String? = nil) throws(ConfigurationError) -> ServerConfiguration {
        guard let file = try ConfigurationFile.text(at: path, standardPath: standardPath) else { return ServerConfiguration() }
        return try parse(file.text, path: file.path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> ServerConfiguration {
        let reader = try TableReader.parse(text, path: path)
        var configuration = ServerConfiguration()
        try reader.allow(["server", "database", "registration", "export", "logs", "secrets"])
        if let server = try reader.table("server") {
            try server.allow(["listen", "data_directory", "public_url", "serve_exports", "clock", "idle_timeout_seconds", "max_connections", "metrics",
                              "instance", "trusted_proxies"])
            if let instance = try server.string("instance") {
                guard !instance.isEmpty, instance.count <= 64, instance.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else {
                    throw server.error("instance", "expected a short name (letters, digits, - _ . :)")
                }
                configuration.instance = instance
            }
            configuration.trustedProxies = try server.strings("trusted_proxies", expected: "an IP address") { text in
                text.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } && !text.isEmpty
            } ?? []
            configuration.servesMetrics = try server.bool("metrics") ?? configuration.servesMetrics
            configuration.idleTimeoutSeconds = try server.integer("idle_timeout_seconds", in: 1...3_600) ?? configuration.idleTimeoutSeconds
            configuration.maximumConnections = try server.integer("max_connections", in: 16...1_000_000) ?? configuration.maximumConnections
            if let listen = try server.string("listen") {
                guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
                    throw server.error("listen", "expected HOST:PORT, e.g. 127.0.0.1:8080")
                }
                configuration.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                configuration.port = port
            }
            configuration.dataDirectory = try server.string("data_directory") ?? configuration.dataDirectory
            if let url = try server.string("public_url") {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
                    throw server.error("public_url", "expected an http(s) URL")
                }
                configuration.publicURL = url
            }
            configuration.serveExports = try server.bool("serve_exports") ?? configuration.serveExports
            if let clock = try server.string("clock") {
                guard let parsed = AgentClock(specification: clock) else { throw server.error("clock", "expected speed=N,origin=UNIX_SECONDS,offset=SECONDS (each optional)") }
                configuration.clock = parsed
            }
        }
        if let database = try reader.table("database") {
            try database.allow(["url", "password_file", "tls", "ca_file", "connect_timeout_seconds"])
            if let url = try database.string("url") {
                guard url == "sqlite" || url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.hasSuffix(".sqlite") else {
                    throw database.error("url", "expected \"sqlite\", a path ending in .sqlite, or postgres://user@host:port/database")
                }
                if url.hasPrefix("postgres") {
                    do throws(ServerError) {
                        _ = try PostgresEndpoint(url: url)
                    } catch {
                        guard case .configuration(let detail) = error else { throw database.error("url", "\(error)") }
                        throw database.error("url", detail)
                    }
                }
                configuration.databaseURL = url
            }
            configuration.databasePasswordFile = try database.string("password_file")
            if let tls = try database.string("tls") {
                guard let mode = PostgresSettings.TLSMode(rawValue: tls) else {
                    throw database.error("tls", "expected one of \(PostgresSettings.TLSMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
                }
                configuration.databaseTLS = mode
            }
            configuration.databaseCAFile = try database.string("ca_file")
            configuration.databaseConnectTimeoutSeconds = Int64(try database.integer("connect_timeout_seconds", in: 1...300) ?? Int(configuration.databaseConnectTimeoutSeconds))
        }
        if let registration = try reader.table("registration") {
            try registration.allow(["regions", "attempts_per_client_per_hour", "failed_attempts_per_hour", "number_lifetime_minutes", "delivery_command"])
            configuration.deliveryCommand = try registration.string("delivery_command")
            configuration.regions = try registration.strings("regions", expected: "a region code (letters and digits)") { text in
                !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber }
            } ?? configuration.regions
            configuration.attemptsPerClientPerHour = try registration.integer("attempts_per_client_per_hour", in: 1...100_000_000) ?? configuration.attemptsPerClientPerHour
            configuration.failedAttemptsPerHour = try registration.integer("failed_attempts_per_hour", in: 1...100_000_000) ?? configuration.failedAttemptsPerHour
            configuration.numberLifetimeMinutes = try registration.integer("number_lifetime_minutes", in: 1...(7 * 24 * 60)) ?? configuration.numberLifetimeMinutes
        }
        if let export = try reader.table("export") {
            try export.allow(["interval_minutes", "minimum_keys", "key_id", "key_version", "signing_key", "container", "retention_days", "embargo_minutes",
                              "lease_seconds", "mirror_directory"])
            configuration.leaseSeconds = try export.integer("lease_seconds", in: 5...3_600) ?? configuration.leaseSeconds
            configuration.mirrorDirectoryPath = try export.string("mirror_directory")
            configuration.exportIntervalMinutes = try export.number("interval_minutes", in: 0.01...1_440) ?? configuration.exportIntervalMinutes
            configuration.minimumKeys = try export.integer("minimum_keys", in: 0...1_000_000) ?? configuration.minimumKeys
            configuration.keyID = try export.string("key_id") ?? configuration.keyID
            configuration.keyVersion = try export.string("key_version") ?? configuration.keyVersion
            if let path = try export.string("signing_key") { configuration.secretSettings[.signingKey] = path }
            if let container = try export.string("container") {
                guard !container.isEmpty, container.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw export.error("container", "expected a folder name (letters, digits, - and _)")
                }
                configuration.container = container
            }
            configuration.retentionDays = try export.integer("retention_days", in: 1...60) ?? configuration.retentionDays
            configuration.embargoMinutes = try export.integer("embargo_minutes", in: 0...(24 * 60)) ?? configuration.embargoMinutes
        }
        if let secrets = try reader.table("secrets") {
            try secrets.allow(Set(ServerSecret.allCases.map(\.key)))
            for secret in ServerSecret.allCases {
                guard let value = try secrets.string(secret.key) else { continue }
                guard !value.isEmpty, value != "credential:" else { throw secrets.error(secret.key, "expected a file's path or credential:NAME") }
                configuration.secretSettings[secret] = value
            }
        }
        if let logs = try reader.table("logs") {
            try logs.allow(["max_bytes", "retention_days", "max_total_bytes", "uploads_per_hour"])
            configuration.logsMaximumBytes = try logs.integer("max_bytes", in: 1_024...(64 << 20)) ?? configuration.logsMaximumBytes
            configuration.logsRetentionDays = try logs.integer("retention_days", in: 1...365) ?? configuration.logsRetentionDays
            configuration.logsMaximumTotalBytes = try logs.integer("max_total_bytes", in: 1_024...(1 << 40)) ?? configuration.logsMaximumTotalBytes
            configuration.logsUploadsPerHour = try logs.integer("uploads_per_hour", in: 1...1_000_000) ?? configuration.logsUploadsPerHour
            if configuration.logsMaximumTotalBytes < configuration.logsMaximumBytes {
                throw logs.error("max_total_bytes", "must not be smaller than max_bytes (one log)")
            }
        }
        return configuration
    }
}
