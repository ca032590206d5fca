import Foundation

/// `bleagent-server config check`: the effective settings (the password never shown) and what is
/// wrong with the files they name — a secret others can read, a file that is missing — before the
/// server is started with them. Problems make the check fail (exit 78); warnings do not.
public struct ConfigurationCheck: Sendable, Encodable {
    /// "[section] key" → the value in force, defaults included.
    public var settings: [String: String]
    public var problems: [String] = []
    public var warnings: [String] = []

    public var passed: Bool { problems.isEmpty }

    /// Checks `configuration`, read from `file` (nil: no file, the defaults).
    public init(_ configuration: ServerConfiguration, file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        settings = Self.settings(of: configuration)
        checkDatabase(configuration, file: file, environment: environment)
        checkSecrets(configuration)
        if configuration.servesMetrics && !Self.isLoopback(configuration.host) {
            warnings.append("/metrics is served on \(configuration.host): keep it off the public internet (let the proxy refuse it, or [server] metrics = false)")
        }
    }

    static func settings(of configuration: ServerConfiguration) -> [String: String] {
        var settings: [String: String] = [
            "[server] listen": "\(configuration.host):\(configuration.port)",
            "[server] data_directory": configuration.dataDirectory,
            "[server] public_url": configuration.effectivePublicURL,
            "[server] serve_exports": "\(configuration.serveExports)",
            "[server] idle_timeout_seconds": "\(configuration.idleTimeoutSeconds)",
            "[server] max_connections": "\(configuration.maximumConnections)",
            "[server] metrics": "\(configuration.servesMetrics)",
            "[database] url": PostgresEndpoint.redacted(configuration.databaseURL),
            "[registration] regions": configuration.regions.joined(separator: ","),
            "[registration] attempts_per_client_per_hour": "\(configuration.attemptsPerClientPerHour)",
            "[registration] failed_attempts_per_hour": "\(configuration.failedAttemptsPerHour)",
            "[registration] number_lifetime_minutes": "\(configuration.numberLifetimeMinutes)",
            "[registration] delivery_command": configuration.deliveryCommand ?? "(none: numbers are reissued on request only)",
            "[export] interval_minutes": "\(configuration.exportIntervalMinutes)",
            "[export] minimum_keys": "\(configuration.minimumKeys)",
            "[export] key_id": configuration.keyID,
            "[export] key_version": configuration.keyVersion,
            "[export] signing_key": configuration.signingKeyFile,
            "[export] container": configuration.container,
            "[export] retention_days": "\(configuration.retentionDays)",
            "[export] embargo_minutes": "\(configuration.embargoMinutes)",
            "[logs] max_bytes": "\(configuration.logsMaximumBytes)",
            "[logs] retention_days": "\(configuration.logsRetentionDays)",
            "[logs] max_total_bytes": "\(configuration.logsMaximumTotalBytes)",
            "[logs] uploads_per_hour": "\(configuration.logsUploadsPerHour)",
        ]
        if configuration.usesPostgres {
            settings["[database] password_file"] = configuration.databasePasswordFile ?? "(none)"
            settings["[database] tls"] = configuration.databaseTLS.rawValue
            settings["[database] ca_file"] = configuration.databaseCAFile ?? "(the system's roots)"
            settings["[database] connect_timeout_seconds"] = "\(configuration.databaseConnectTimeoutSeconds)"
        }
        return settings
    }

    private mutating func checkDatabase(_ configuration: ServerConfiguration, file: String?, environment: [String: String]) {
        guard configuration.usesPostgres else { return }
        let endpoint: PostgresEndpoint
        do {
            endpoint = try PostgresEndpoint(url: configuration.databaseURL)
        } catch {
            problems.append("[database] url: \(error)")
            return
        }
        if endpoint.password != nil {
            warnings.append("[database] url holds the password: better in a file of its own, [database] password_file = \"PATH\" or \"credential:NAME\"")
            if let file, let mode = SecretFile.mode(of: file) {
                if mode & 0o007 != 0 {
                    problems.append("\(file) holds the database password and everyone may read it (mode \(Self.octal(mode))): chmod 0640 (or 0600)")
                } else if mode & 0o070 != 0 {
                    warnings.append("\(file) holds the database password and its group may read it (mode \(Self.octal(mode))): keep that group to the server's")
                }
            }
            if configuration.databasePasswordFile != nil { problems.append("[database] url holds a password and password_file names one: keep only password_file") }
        }
        if let reference = configuration.databasePasswordFile {
            do {
                let secret = try SecretFile(reference, environment: environment)
                _ = try secret.read()
                checkPrivate(secret.path, what: "[database] password_file")
            } catch {
                problems.append("[database] password_file: \(error)")
            }
        }
        switch (endpoint.location, configuration.databaseTLS) {
        case (.unixSocket, .disable): break
        case (.unixSocket, let tls):
            problems.append("[database] tls = \"\(tls.rawValue)\" with a Unix socket: a local socket has no TLS (use tls = \"disable\")")
        case (.tcp(let host, _), .disable) where !Self.isLoopback(host):
            warnings.append("PostgreSQL at \(endpoint.place) is reached without TLS: [database] tls = \"verify-full\" (or \"require\") across a network")
        default: break
        }
        if let caFile = configuration.databaseCAFile {
            if configuration.databaseTLS != .verifyFull { warnings.append("[database] ca_file is used only with tls = \"verify-full\"") }
            if !FileManager.default.isReadableFile(atPath: caFile) { problems.append("[database] ca_file \(caFile) cannot be read (missing, or permissions?)") }
        }
    }

    /// The number secret, signing key and admin token: made by `init`, then read by every verb and private.
    private mutating func checkSecrets(_ configuration: ServerConfiguration) {
        for secret in ServerSecret.allCases {
            let path = configuration.secretFile(secret)
            if FileManager.default.fileExists(atPath: path) {
                checkPrivate(path, what: "secret")
            } else {
                problems.append("[secrets] \(secret.key) \(path) does not exist: run `bleagent-server init` (or copy the first instance's)")
            }
        }
        if let mode = SecretFile.mode(of: configuration.dataDirectory), mode & 0o077 != 0 {
            warnings.append("the data directory \(configuration.dataDirectory) is open to others (mode \(Self.octal(mode))): 0700 expected")
        }
    }

    /// A problem unless `path` can be read here and by its owner alone (its group neither).
    private mutating func checkPrivate(_ path: String, what: String) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            problems.append("\(what) \(path) cannot be read by this user (run the check as the server's user)")
            return
        }
        if let mode = SecretFile.mode(of: path), mode & 0o077 != 0 {
            problems.append("\(what) \(path) may be read by others (mode \(Self.octal(mode))): chmod 0600")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func octal(_ mode: mode_t) -> String {
        "0" + String(mode, radix: 8)
    }
}
