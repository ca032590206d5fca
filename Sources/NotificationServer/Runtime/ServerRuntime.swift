import AgentTime
import ExposureNotification
import Durability
import Foundation
import Logging

/// A configured server, opened: secrets loaded and checked against the database's, database prepared, services wired. The
/// `bleagent-server` verbs and the tests build on it; HTTP and the export loop are its services.
public struct ServerRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let database: any ServerDatabase
    public let secrets: ServerSecrets
    public let registration: RegistrationService
    public let worker: ExportWorker
    public let logs: OperationLogStore
    public let logger: Logger
    /// This process's counters and histograms (`/metrics`).
    public let metrics: ServerMetrics
    /// Where automatically reissued numbers go (nil: no automatic reissue).
    public var delivery: NumberDelivery? { configuration.deliveryCommand.map { NumberDelivery(command: $0) } }

    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws(ServerError) -> ServerRuntime {
        let secrets = try ServerSecrets.load(configuration)
        let database = try await openDatabase(configuration, logger: logger, create: true)
        do {
            try await secrets.claim(database, configuration: configuration)
            // Derived and public: kept beside the secrets for agents' operators (best effort: the
            // data directory may be read-only to a sandboxed instance).
            try? secrets.writePublicKey(configuration)
        } catch {
            await database.close()
            throw error
        }
        var registrationSettings = RegistrationService.Settings(regions: configuration.regions)
        registrationSettings.numberLifetime = Int64(configuration.numberLifetimeMinutes) * 60
        var exportSettings = ExportWorker.Settings(mirrorDirectory: configuration.mirrorDirectory, publicURL: configuration.effectivePublicURL,
                                                   regions: configuration.regions)
        exportSettings.instance = configuration.instanceName
        exportSettings.leaseSeconds = configuration.leaseSeconds
        exportSettings.container = configuration.container
        exportSettings.minimumKeys = configuration.minimumKeys
        exportSettings.embargoSeconds = Int64(configuration.embargoMinutes) * 60
        exportSettings.retentionDays = Int64(configuration.retentionDays)
        let metrics = ServerMetrics()
        var registration = RegistrationService(database: database, secret: secrets.numberSecret, settings: registrationSettings)
        registration.metrics = metrics
        return ServerRuntime(
            configuration: configuration, database: database, secrets: secrets,
            registration: registration,
            worker: ExportWorker(database: database, signer: secrets.signer, settings: exportSettings),
            logs: OperationLogStore(directory: configuration.logDirectory, maximumBytes: configuration.logsMaximumBytes,
                                    retentionSeconds: Int64(configuration.logsRetentionDays) * 86_400,
                                    maximumTotalBytes: configuration.logsMaximumTotalBytes),
            logger: logger, metrics: metrics)
    }

    /// The configured database, its tables created or upgraded. Without `create` (the read-only
    /// verbs) a SQLite file that does not exist is an error, not a new empty database.
    public static func openDatabase(_ configuration: ServerConfiguration, logger: Logger, create: Bool) async throws(ServerError) -> any ServerDatabase {
        let database: any ServerDatabase
        if configuration.usesPostgres {
            // One connection first, within [database] connect_timeout_seconds: a server that is down is one line and exit 69.
            let settings = try PostgresSettings(configuration)
            try await settings.probe(logger: logger)
            database = PostgresServerDatabase(settings: settings, logger: logger)
        } else {
            let path = configuration.databaseURL == "sqlite" ? "\(configuration.dataDirectory)/server.sqlite" : configuration.databaseURL
            if !create && !FileManager.default.fileExists(atPath: path) {
                throw .missing("no server database at \(path): nothing was initialised there (check --config / --data-dir, or run `bleagent-server init`)")
            }
            if create {
                do {
                    try DurableFile.createFolders((path as NSString).deletingLastPathComponent, mode: 0o700)
                } catch {
                    throw .configuration("cannot create the folder of \(path): \(error)")
                }
            }
            database = try SQLiteServerDatabase(path: path)
        }
        do {
            try await database.prepare()
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Simulated (or real) unix seconds now.
    public func now() -> Int64 { Int64(configuration.clock.now()) }

    /// Simulated (or real) milliseconds now (the exports' `created`).
    public func nowMillis() -> Int64 { Int64(configuration.clock.now() * 1_000) }

    public func routes() -> NotificationRoutes {
        let limits = AttemptThrottle.Limits(perClient: configuration.attemptsPerClientPerHour, globalFailures: configuration.failedAttemptsPerHour,
                                            window: 3_600)
        var routes = NotificationRoutes(registration: registration, throttle: AttemptThrottle(database: database, kind: "registration", limits: limits),
                                        // Every upload is charged to the global budget (never refunded): a global rate.
                                        logThrottle: AttemptThrottle(database: database, kind: "log",
                                                                     limits: .init(perClient: 5, globalFailures: configuration.logsUploadsPerHour, window: 3_600)),
                                        logs: logs, adminToken: secrets.adminToken,
                                        exportContainer: configuration.serveExports ? configuration.container : nil,
                                        clock: configuration.clock, logger: logger)
        routes.trustedProxies = Set(configuration.trustedProxies)
        routes.metrics = metrics
        return routes
    }

    public func close() async {
        await database.close()
    }
}
