import ArgumentParser
import ExposureNotification
import Foundation
import HostSupport
import Hummingbird
import Logging
import NotificationServer
import ServiceLifecycle
import TOMLConfiguration

/// A failure printed as one line with a meaningful exit code.
struct ServerFailure: Error {
    /// EX_CONFIG: the configuration (file, options, secret files) is wrong.
    static let configurationCode: Int32 = 78
    /// EX_UNAVAILABLE: the database cannot be reached.
    static let unavailableCode: Int32 = 69

    var message: String
    var code: Int32
}

extension ServerFailure {
    init(_ error: ServerError) {
        self.init(message: error.description, code: error.exitCode)
    }
}

extension ServerOptions {
    func load() throws(ServerFailure) -> ServerConfiguration {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(path: config)
        } catch {
            throw ServerFailure(message: error.description, code: ServerFailure.configurationCode)
        }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let database { configuration.databaseURL = database }
        return configuration
    }

    func open(logger: Logger, adjust: (inout ServerConfiguration) throws(ServerFailure) -> Void = { _ in }) async throws(ServerFailure) -> ServerRuntime {
        var configuration = try load()
        try adjust(&configuration)
        do {
            return try await ServerRuntime.open(configuration, logger: logger)
        } catch {
            throw ServerFailure(error)
        }
    }

    /// Opens the runtime, runs `body` with it and closes it whatever happens; a failure of `body`
    /// becomes `code(error)` with the error's own message.
    func withRuntime<Value, Failure: Error & CustomStringConvertible>(
        _ body: (ServerRuntime) async throws(Failure) -> Value, code: (Failure) -> Int32 = { _ in 1 }
    ) async throws(ServerFailure) -> Value {
        let runtime = try await open(logger: makeLogger())
        do {
            let value = try await body(runtime)
            await runtime.close()
            return value
        } catch {
            await runtime.close()
            throw ServerFailure(message: error.description, code: code(error))
        }
    }
}

func reporting(_ body: () async throws(ServerFailure) -> Void) async throws {
    do {
        try await body()
    } catch {
        FileHandle.standardError.write(Data("bleagent-server: \(error.message)\n".utf8))
        throw ExitCode(error.code)
    }
}

func printJSON(_ value: some Encodable) {
    if let data = try? SnakeCaseJSON.encoder([.sortedKeys, .prettyPrinted]).encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

/// swift-log goes to the journal (SYSLOG_IDENTIFIER=bleagent-server, the level as PRIORITY), or to
/// stderr where there is none; once per process.
private let loggingBootstrap: Void = LoggingSystem.bootstrap { label in JournalLogHandler(label: label, identifier: "bleagent-server") }

func makeLogger() -> Logger {
    loggingBootstrap
    var logger = Logger(label: "bleagent-server")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve registrations, the health-centre endpoints, operation logs and (by default) the key files.",
        discussion: """
        Needs the secrets `bleagent-server init` made. The export worker runs at start and every [export]
        interval_minutes; of several instances sharing a database, one exports at a time (the export
        lease). SIGTERM/SIGINT stop it gracefully.
        """
    )

    @OptionGroup var options: ServerOptions
    @Option(help: ArgumentHelp("Override [server] listen.", valueName: "HOST:PORT")) var listen: String?

    func run() async throws {
        try await reporting { () throws(ServerFailure) in
            let logger = makeLogger()
            let runtime = try await options.open(logger: logger) { configuration throws(ServerFailure) in
                guard let listen else { return }
                guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                    throw ServerFailure(message: "--listen expects HOST:PORT", code: ServerFailure.configurationCode)
                }
                configuration.host = String(listen[..<colon])
                configuration.port = port
            }
            let configuration = runtime.configuration
            let ready = runtime
            let notifier = SystemdNotifier()
            var services: [any Service] = [ExportService(runtime: runtime),
                                            ServiceManagerService(notifier: notifier, database: runtime.database, logger: logger)]
            if let reissue = ReissueService(runtime: runtime) { services.append(reissue) }
            // One descriptor per connection, and some to spare for the database, exports and logs.
            let descriptors = FileDescriptorLimit.raise(to: configuration.maximumConnections + 256)
            let connections = max(1, min(configuration.maximumConnections, descriptors - 256))
            if connections < configuration.maximumConnections {
                logger.warning("at most \(descriptors) open files (LimitNOFILE=): serving \(connections) connections at once, not [server] max_connections = \(configuration.maximumConnections)")
            }
            runtime.logs.prune(now: Int64(Date().timeIntervalSince1970))
            let router = runtime.routes().router()
            if configuration.servesMetrics { runtime.metrics.serve(on: router) }
            let database = configuration.usesPostgres ? "PostgreSQL" : "SQLite"
            let app = Application(
                router: router,
                server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "bleagent-server",
                                     availableConnectionsDelegate: ConnectionLimit.atMost(connections)),
                services: services,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? configuration.port
                    // One line scripts can wait for (stdout), the rest for the operator (log).
                    FileHandle.standardOutput.write(Data("listening on http://\(configuration.host):\(port)\n".utf8))
                    notifier.notify("READY=1\nSTATUS=serving on \(configuration.host):\(port), \(database)")
                    ready.logger.notice("""
                        serving as \(configuration.instanceName): regions \(configuration.regions.joined(separator: ",")); \
                        exports mirrored to \(configuration.mirrorDirectory ?? "nowhere (database only)") \
                        (public key \(configuration.publicKeyFile)); admin token in \(configuration.adminTokenFile); \
                        database \(database)\(configuration.servesMetrics ? "; metrics at /metrics" : "")
                        """)
                },
                logger: logger)
            do {
                try await app.runService()
            } catch {
                await runtime.close()
                throw ServerFailure(message: "\(error)", code: 1)
            }
            await runtime.close()
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Run one export pass now: finish interrupted exports, write new files, publish the lists, delete old files.",
        discussion: """
        Takes the export lease first: when another instance (or `serve`) holds it, nothing is done and
        the exit code is 75 (try again later).
        """)

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await reporting { () throws(ServerFailure) in
            let report = try await options.withRuntime({ runtime throws(ServerError) in try await runtime.worker.run(now: runtime.now(), nowMillis: runtime.nowMillis()) },
                                                       code: { $0.exitCode })
            if let holder = report.leaseHolder {
                let until = report.leaseUntilMillis.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval($0) / 1_000)) } ?? "?"
                throw ServerFailure(message: "\(holder) is exporting (its lease runs until \(until)); nothing done", code: 75)
            }
            if options.json { printJSON(report); return }
            print("\(report.filesWritten) new file(s) with \(report.keysPublished) key(s) (+\(report.paddingKeys) padding); "
                  + "\(report.filesResumed) interrupted export(s) finished; \(report.filesDeleted) old file(s) deleted.")
        }
    }
}

struct NumberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number",
        abstract: "Health centre: issue a processing number for a new case, or reissue one.",
        discussion: """
        The same as POST /v1/admin/cases (and …/reissue) with the admin token, for an operator on the
        server itself. A number is valid for [registration] number_lifetime_minutes (60); an unused one
        can be reissued 4 times; none is issued after the case registered. Only a keyed hash is stored.
        With [registration] delivery_command set, `serve` reissues a number that expired unused by
        itself and hands it to that command (your SMS or e-mail gateway), as HER-SYS did.
        """,
        subcommands: [Issue.self, Reissue.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "issue", abstract: "A new case and its processing number.")
        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reporting { () throws(ServerFailure) in
                let issued = try await options.withRuntime { runtime throws(RegistrationService.Failure) in
                    try await runtime.registration.issue(now: runtime.now())
                }
                NumberCommand.show(issued, json: options.json)
            }
        }
    }

    struct Reissue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reissue", abstract: "Replace a case's unused number.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The case id `number issue` printed.") var caseID: String

        func run() async throws {
            try await reporting { () throws(ServerFailure) in
                let issued = try await options.withRuntime({ runtime throws(RegistrationService.Failure) in
                    try await runtime.registration.reissue(caseID: caseID, now: runtime.now())
                }, code: { $0 == .unknownCase ? 66 : 1 })
                NumberCommand.show(issued, json: options.json)
            }
        }
    }

    static func show(_ issued: RegistrationService.IssuedNumber, json: Bool) {
        if json { printJSON(issued); return }
        let expiry = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(issued.expiresAt)))
        print("Processing number: \(issued.processingNumber)  (valid until \(expiry))")
        print("Case: \(issued.caseID)  (reissues left: \(issued.reissuesLeft))")
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Open and registered cases, queued keys, published files.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await reporting { () throws(ServerFailure) in
            let statistics = try await options.statistics()
            if options.json { printJSON(statistics); return }
            print("cases open: \(statistics.openCases), registered: \(statistics.registeredCases); keys queued: \(statistics.pendingKeys); files published: \(statistics.publishedExports)")
        }
    }
}

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the server's secrets once and record them in the database.",
        discussion: """
        Creates each secret whose file does not exist yet, mode 0600: the number secret, the signing key
        (its public half in signing-key.pub.pem, for agents' [[keys.public_key]]) and the admin token, at
        the paths [secrets] names (default: the data directory; a systemd credential is never created).
        Then it prepares the database and records the secrets' fingerprints: an instance started later
        with other secrets is refused. Run it again safely: what exists is kept.

        Several instances on one database: run init on one, copy its three secret files to the others
        (or give them the same files as credentials), then start them all.
        """)

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await reporting { () throws(ServerFailure) in
            let configuration = try options.load()
            let created: [String]
            do throws(ServerError) {
                created = try ServerSecrets.create(configuration)
            } catch {
                throw ServerFailure(error)
            }
            let fingerprints = try await options.withRuntime { runtime throws(ServerError) in runtime.secrets.fingerprints }
            if options.json {
                printJSON(InitReport(created: created, kept: ServerSecret.allCases.map { configuration.secretFile($0) }.filter { !created.contains($0) },
                                     publicKey: configuration.publicKeyFile, fingerprints: fingerprints))
                return
            }
            for secret in ServerSecret.allCases {
                let path = configuration.secretFile(secret)
                print("\(created.contains(path) ? "created" : "kept   ") \(path)")
            }
            print("public key for agents: \(configuration.publicKeyFile)")
            print("fingerprints recorded in the database: " + fingerprints.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }

    struct InitReport: Encodable {
        var created: [String]
        var kept: [String]
        var publicKey: String
        var fingerprints: [String: String]
    }
}

extension ServerOptions {
    /// `status`: reads the database only (no secrets), and creates nothing.
    func statistics() async throws(ServerFailure) -> ServerStatistics {
        let configuration = try load()
        do throws(ServerError) {
            let database = try await ServerRuntime.openDatabase(configuration, logger: makeLogger(), create: false)
            do throws(ServerError) {
                let statistics = try await database.statistics()
                await database.close()
                return statistics
            } catch {
                await database.close()
                throw error
            }
        } catch {
            throw ServerFailure(error)
        }
    }
}

extension ServerError {
    /// One exit code per kind of failure, for every verb.
    var exitCode: Int32 {
        switch self {
        case .configuration: ServerFailure.configurationCode
        case .database, .missing: ServerFailure.unavailableCode
        case .leaseLost: 75
        case .storage: 74
        case .signing: 1
        }
    }
}
