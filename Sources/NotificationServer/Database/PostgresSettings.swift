import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// How the server connects to PostgreSQL: `[database] url`, the password (in the URL, or
/// `password_file`), `tls` and `ca_file`, `connect_timeout_seconds`. Opening the back-end first
/// makes one connection of its own with that time limit (`probe`), so that a server that is down
/// is said in one line and the verb exits 69, instead of postgres-nio's pool retrying for ever.
public struct PostgresSettings: Sendable {
    /// `[database] tls`, as libpq's `sslmode`.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain connections (a Unix socket, loopback, or a network you trust).
        case disable
        /// TLS when the server offers it, else plain; the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is not checked (it defends against listeners, not impostors).
        case require
        /// TLS, with the certificate checked against `ca_file` (or the system's roots) and the host name.
        case verifyFull = "verify-full"
    }

    public var endpoint: PostgresEndpoint
    public var password: String?
    public var tls: TLSMode
    public var caFile: String?
    public var connectTimeout: Duration

    public init(endpoint: PostgresEndpoint, password: String?, tls: TLSMode = .disable, caFile: String? = nil,
                connectTimeout: Duration = .seconds(10)) throws(ServerError) {
        if case .unixSocket = endpoint.location, tls != .disable {
            throw .configuration("[database] tls = \"\(tls.rawValue)\" with a Unix socket: a local socket has no TLS (use tls = \"disable\")")
        }
        self.endpoint = endpoint
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.connectTimeout = connectTimeout
    }

    /// The settings `configuration` names, the password read from its file if it has one.
    public init(_ configuration: ServerConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServerError) {
        let endpoint = try PostgresEndpoint(url: configuration.databaseURL)
        var password = endpoint.password
        if let reference = configuration.databasePasswordFile {
            guard password == nil else {
                throw .configuration("[database] url holds a password and password_file names one: keep only password_file")
            }
            password = try SecretFile(reference, environment: environment).read()
        }
        try self.init(endpoint: endpoint, password: password, tls: configuration.databaseTLS, caFile: configuration.databaseCAFile,
                      connectTimeout: .seconds(configuration.databaseConnectTimeoutSeconds))
    }

    func tlsConfiguration() -> TLSConfiguration? {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable: return nil
        case .prefer, .require: tlsConfiguration.certificateVerification = .none
        case .verifyFull:
            tlsConfiguration.certificateVerification = .fullVerification
            if let caFile { tlsConfiguration.trustRoots = .file(caFile) }
        }
        return tlsConfiguration
    }

    /// The pool's configuration.
    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint.location {
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: endpoint.username, password: password, database: endpoint.database)
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS = switch (self.tls, tlsConfiguration()) {
            case (.prefer, let context?): .prefer(context)
            case (_, let context?): .require(context)
            case (_, nil): .disable
            }
            configuration = .init(host: host, port: port, username: endpoint.username, password: password, database: endpoint.database, tls: tls)
        }
        configuration.options.connectTimeout = connectTimeout
        return configuration
    }

    /// One connection's configuration, for the probe (its TLS context made here: a bad `ca_file` is a configuration error).
    func connectionConfiguration() throws(ServerError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch endpoint.location {
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: endpoint.username, password: password, database: endpoint.database)
        case .tcp(let host, let port):
            var tls = PostgresConnection.Configuration.TLS.disable
            if let tlsConfiguration = tlsConfiguration() {
                let context: NIOSSLContext
                do {
                    context = try NIOSSLContext(configuration: tlsConfiguration)
                } catch {
                    throw .configuration("[database] ca_file \(caFile ?? "(system roots)") cannot be used: \(error)")
                }
                tls = self.tls == .prefer ? .prefer(context) : .require(context)
            }
            configuration = .init(host: host, port: port, username: endpoint.username, password: password, database: endpoint.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(min(max(Self.seconds(connectTimeout), 1), 86_400))
        return configuration
    }

    /// Connects once and runs `SELECT 1` within the connect timeout (twice it, for the login and the
    /// query): `.database` ("cannot reach PostgreSQL at HOST:PORT: connection refused — is it running?")
    /// when the server cannot be reached, `.configuration` when it refuses the login or the database.
    public func probe(logger: Logger) async throws(ServerError) {
        let configuration = try connectionConfiguration()
        let limit = connectTimeout * 2
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let logger = quiet
        let outcome = await withinTimeLimit(limit) { () async -> Result<Void, any Error> in
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    _ = try await connection.query("SELECT 1", logger: logger).collect()
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success: return
        case nil: throw .database("cannot reach PostgreSQL at \(endpoint.place): no answer within \(Self.seconds(limit)) s — is it running, and is the address right?")
        case .failure(let error): throw describe(error)
        }
    }

    /// A connection failure said for an operator.
    func describe(_ error: any Error) -> ServerError {
        let place = endpoint.place
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState] ?? ""
                // 28…: the login (user, password, pg_hba.conf); 3D000: no such database.
                if state.hasPrefix("28") || state == "3D000" {
                    return .configuration("PostgreSQL at \(place) refused the connection: \(message) (SQLSTATE \(state))")
                }
                return .database("PostgreSQL at \(place): \(message)\(state.isEmpty ? "" : " (SQLSTATE \(state))")")
            }
            if error.code == .sslUnsupported {
                return .configuration("PostgreSQL at \(place) does not offer TLS, and [database] tls = \"\(tls.rawValue)\" requires it")
            }
            if let underlying = error.underlying { return describe(underlying) }
            return .database("cannot reach PostgreSQL at \(place): \(error.code) — is it running?")
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            return .database("cannot reach PostgreSQL at \(place): the host name does not resolve")
        }
        if let error = error as? IOError {
            return .database("cannot reach PostgreSQL at \(place): \(Self.reason(errno: error.errnoCode)) — is it running?")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .database("cannot reach PostgreSQL at \(place): no answer within \(Self.seconds(connectTimeout)) s — is it running, and is the address right?")
        }
        if let error = error as? NIOSSLError {
            return .database("TLS with PostgreSQL at \(place) failed: \(error)")
        }
        if let error = error as? BoringSSLError {
            return .database("TLS with PostgreSQL at \(place) failed (certificate not trusted, or not for this host?): \(error)")
        }
        return .database("cannot reach PostgreSQL at \(place): \(String(describing: error))")
    }

    /// strerror's text in lower case ("connection refused").
    static func reason(errno code: CInt) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        return first.lowercased() + text.dropFirst()
    }

    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }
}
