import Foundation
import Logging
import PostgresNIO
@testable import NotificationServer
import TestSupport
import Testing

/// `[database]`: the URL forms libpq reads, the password from a file or a credential, TLS, and the
/// probe that makes a PostgreSQL server that is down one line and exit 69 instead of endless retries.
struct PostgresConnectionTests {
    @Test func urlsAreReadAsLibpqReadsThem() throws {
        let tcp = try PostgresEndpoint(url: "postgres://en:secret@db.example.org:6543/keys")
        #expect(tcp.location == .tcp(host: "db.example.org", port: 6543) && tcp.username == "en" && tcp.password == "secret" && tcp.database == "keys")
        #expect(try PostgresEndpoint(url: "postgresql://en@[::1]/keys").place == "[::1]:5432")
        let socket = try PostgresEndpoint(url: "postgres://en@/keys?host=/run/postgresql")
        #expect(socket.location == .unixSocket("/run/postgresql/.s.PGSQL.5432") && socket.password == nil && socket.database == "keys")
        #expect(try PostgresEndpoint(url: "postgres://en@/keys?host=/tmp/pg/&port=5544").location == .unixSocket("/tmp/pg/.s.PGSQL.5544"))
        #expect(try PostgresEndpoint(url: "postgres://en@%2Frun%2Fpostgresql/keys").location == .unixSocket("/run/postgresql/.s.PGSQL.5432"))
        for bad in ["postgres://db/keys", "postgres://en@/keys", "postgres://en@db/keys?sslmode=require", "postgres://en@/k?host=/x&port=0"] {
            #expect(throws: ServerError.self, "\(bad)") { try PostgresEndpoint(url: bad) }
        }
        #expect(PostgresEndpoint.redacted("postgres://en:secret@db/keys") == "postgres://en:***@db/keys")
        #expect(PostgresEndpoint.redacted("postgres://en@db/keys") == "postgres://en@db/keys")
    }

    @Test func thePasswordComesFromAFileOrACredential() throws {
        let directory = TemporaryDirectory()
        try "s3cret\r\n".write(toFile: "\(directory.path)/pw", atomically: true, encoding: .utf8)
        #expect(try SecretFile("\(directory.path)/pw").read() == "s3cret")
        #expect(try SecretFile("credential:pw", environment: ["CREDENTIALS_DIRECTORY": directory.path]).read() == "s3cret")
        #expect(throws: ServerError.self) { try SecretFile("credential:pw", environment: [:]) }
        #expect(throws: ServerError.self) { try SecretFile("credential:../pw", environment: ["CREDENTIALS_DIRECTORY": directory.path]) }
        #expect(throws: ServerError.self) { try SecretFile("\(directory.path)/missing").read() }

        var configuration = ServerConfiguration()
        configuration.databaseURL = "postgres://en@db/keys"
        configuration.databasePasswordFile = "credential:pw"
        #expect(try PostgresSettings(configuration, environment: ["CREDENTIALS_DIRECTORY": directory.path]).password == "s3cret")
        configuration.databaseURL = "postgres://en:other@db/keys"
        #expect(throws: ServerError.self) { try PostgresSettings(configuration, environment: ["CREDENTIALS_DIRECTORY": directory.path]) }
    }

    @Test func theDatabaseKeysAreReadAndChecked() throws {
        let parsed = try ServerConfiguration.parse("""
            [server]
            metrics = false
            [database]
            url = "postgres://en@/keys?host=/run/postgresql"
            password_file = "credential:postgres-password"
            tls = "verify-full"
            ca_file = "/etc/bleagent/ca.pem"
            connect_timeout_seconds = 3
            """, path: "server.toml")
        #expect(!parsed.servesMetrics && parsed.usesPostgres && parsed.databasePasswordFile == "credential:postgres-password")
        #expect(parsed.databaseTLS == .verifyFull && parsed.databaseCAFile == "/etc/bleagent/ca.pem" && parsed.databaseConnectTimeoutSeconds == 3)
        #expect(ServerConfiguration().servesMetrics && ServerConfiguration().databaseTLS == .disable)
        func problem(_ text: String) -> String? {
            do {
                _ = try ServerConfiguration.parse("[database]\n" + text, path: "server.toml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem("tls = \"maybe\"")?.contains("[database] tls") == true)
        #expect(problem("connect_timeout_seconds = 0")?.contains("[database] connect_timeout_seconds") == true)
        let noUser = problem("url = \"postgres://:hunter2@db/keys\"")
        #expect(noUser?.contains("[database] url") == true && noUser?.contains("hunter2") == false, "\(noUser ?? "")")
        // TLS has no meaning on a Unix socket: said, not ignored.
        #expect(throws: ServerError.self) {
            try PostgresSettings(endpoint: PostgresEndpoint(url: "postgres://en@/keys?host=/run/postgresql"), password: nil, tls: .require)
        }
    }

    @Test func theCheckFindsSecretsOthersCanRead() throws {
        let directory = TemporaryDirectory()
        let file = "\(directory.path)/server.toml"
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration()
        configuration.dataDirectory = "\(directory.path)/data"
        configuration.databaseURL = "postgres://en:hunter2@db.example.org/keys"
        var check = ConfigurationCheck(configuration, file: file)
        #expect(check.problems.contains { $0.contains("[secrets] number_secret") && $0.contains("bleagent-server init") }, "\(check.problems)")
        _ = try ServerSecrets.create(configuration)
        chmod(file, 0o644)
        check = ConfigurationCheck(configuration, file: file)
        #expect(!check.passed && check.problems.contains { $0.contains("everyone may read it") }, "\(check.problems)")
        #expect(check.settings["[database] url"] == "postgres://en:***@db.example.org/keys")
        #expect(!"\(check.settings) \(check.problems) \(check.warnings)".contains("hunter2"))
        #expect(check.warnings.contains { $0.contains("without TLS") })
        chmod(file, 0o640)
        check = ConfigurationCheck(configuration, file: file)
        #expect(check.passed, "\(check.problems)")

        configuration.databaseURL = "postgres://en@db.example.org/keys"
        configuration.databaseTLS = .verifyFull
        configuration.databasePasswordFile = "\(directory.path)/pw"
        try "hunter2\n".write(toFile: "\(directory.path)/pw", atomically: true, encoding: .utf8)
        chmod("\(directory.path)/pw", 0o644)
        check = ConfigurationCheck(configuration, file: file)
        #expect(check.problems.contains { $0.contains("password_file") && $0.contains("0644") }, "\(check.problems)")
        chmod("\(directory.path)/pw", 0o600)
        check = ConfigurationCheck(configuration, file: file)
        #expect(check.passed && check.warnings.isEmpty, "\(check.problems) \(check.warnings)")
        configuration.databasePasswordFile = "credential:nowhere"
        #expect(!ConfigurationCheck(configuration, file: file, environment: [:]).passed)
    }

    /// Before: postgres-nio's pool retried a refused connection for ever, every verb hung and the log
    /// filled. Now opening gives up at once with one line. (At once alone, it takes milliseconds;
    /// beside the other suites on two cores it has taken 20 s: the bound is loose, the limit catches a hang.)
    @Test(.timeLimit(.minutes(1))) func aServerThatIsDownIsOneErrorAtOnce() async throws {
        let port = try closedPort()
        var configuration = ServerConfiguration()
        configuration.dataDirectory = TemporaryDirectory().path
        configuration.databaseURL = "postgres://en@127.0.0.1:\(port)/keys"
        configuration.databaseConnectTimeoutSeconds = 5
        _ = try ServerSecrets.create(configuration)
        let started = ContinuousClock.now
        do {
            _ = try await ServerRuntime.open(configuration, logger: Logger(label: "test"))
            Issue.record("opened a database nobody serves")
        } catch {
            #expect(error == .database("cannot reach PostgreSQL at 127.0.0.1:\(port): connection refused — is it running?"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(45))
        // A socket folder where no server listens: the same, with the socket's path.
        configuration.databaseURL = "postgres://en@/keys?host=\(configuration.dataDirectory)"
        await #expect(throws: ServerError.database("cannot reach PostgreSQL at \(configuration.dataDirectory)/.s.PGSQL.5432: no such file or directory — is it running?")) {
            try await PostgresSettings(configuration).probe(logger: Logger(label: "test"))
        }
    }

    @Test(arguments: Backend.available) func pingAnswers(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let database = try await backend.open(in: directory)
        try await database.ping()
        await database.close()
    }

    /// The watchdog is petted only while the database answers: not once it is closed, nor while
    /// PostgreSQL is down (the pool's query waits; the time limit answers for it).
    @Test(.timeLimit(.minutes(1))) func theWatchdogAsksTheDatabase() async throws {
        let directory = TemporaryDirectory()
        let sqlite = try await Backend.sqlite.open(in: directory)
        #expect(await ServiceManagerService.answers(sqlite, within: .seconds(10)))
        await sqlite.close()
        #expect(await !ServiceManagerService.answers(sqlite, within: .seconds(10)))
        let down = try PostgresServerDatabase(url: "postgres://en@127.0.0.1:\(try closedPort())/keys", logger: Logger(label: "test"))
        #expect(await !ServiceManagerService.answers(down, within: .milliseconds(500)))
        await down.close()
    }

    /// The real test server over its Unix socket, and over TCP with TLS required.
    @Test(.enabled(if: Backend.postgresURL != nil)) func theTestServerOverASocketAndOverTLS() async throws {
        let url = try #require(Backend.postgresURL)
        let admin = try PostgresServerDatabase(url: url, logger: Logger(label: "test"))
        var socketFolder = "", ssl = ""
        let name = "bleagent_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        do {
            for try await (value) in try await admin.client.query("SELECT current_setting('unix_socket_directories')", logger: admin.logger).decode(String.self) {
                socketFolder = value.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            }
            for try await (value) in try await admin.client.query("SELECT current_setting('ssl')", logger: admin.logger).decode(String.self) { ssl = value }
            // A database of its own: it records this test's secrets.
            try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: admin.logger)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        let endpoint = try PostgresEndpoint(url: url)
        guard case .tcp(_, let port) = endpoint.location else { throw ServerError.configuration("expected a TCP URL") }
        var configuration = ServerConfiguration()
        configuration.dataDirectory = TemporaryDirectory().path
        configuration.databaseURL = "postgres://\(endpoint.username)@/\(name)?host=\(socketFolder)&port=\(port)"
        _ = try ServerSecrets.create(configuration)
        let overSocket = try await ServerRuntime.open(configuration, logger: Logger(label: "test"))
        try await overSocket.database.ping()
        await overSocket.close()

        if ssl != "on" {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "scripts/postgres-test-server.sh starts the server with ssl=on")
            return
        }
        var components = URLComponents(string: url)
        components?.path = "/" + name
        configuration.databaseURL = components?.string ?? url
        configuration.databaseTLS = .require
        let overTLS = try await ServerRuntime.open(configuration, logger: Logger(label: "test"))
        try await overTLS.database.ping()
        await overTLS.close()
        // verify-full with a CA that did not sign the server's certificate: refused.
        let otherCA = "\(configuration.dataDirectory)/other-ca.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=other-ca", "-days", "1",
                             "-keyout", "\(configuration.dataDirectory)/other-ca.key", "-out", otherCA]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        configuration.databaseTLS = .verifyFull
        configuration.databaseCAFile = otherCA
        do {
            let runtime = try await ServerRuntime.open(configuration, logger: Logger(label: "test"))
            await runtime.close()
            Issue.record("verify-full accepted a certificate the CA did not sign")
        } catch {
            #expect(error.description.contains("TLS with PostgreSQL"), "\(error)")
        }
    }

    func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound)
        // Bound, never listening, closed on return: connecting is refused.
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
