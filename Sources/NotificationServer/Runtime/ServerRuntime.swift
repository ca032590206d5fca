import AgentTime
import ExposureNotification
import Foundation
import Logging

/// A configured server, opened: secrets loaded (or made), database prepared, services wired. The
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
        let secrets = try ServerSecrets.loadOrCreate(configuration)
        let database: any ServerDatabase
        if configuration.usesPostgres {
            // One connection first, within [database] connect_timeout_seconds: a server that is down is one line and exit 69.
            let settings = try PostgresSettings(configuration)
            try await settings.probe(logger: logger)
            database = PostgresServerDatabase(settings: settings, logger: logger)
        } else {
            let path = configuration.databaseURL == "sqlite" ? "\(configuration.dataDirectory)/server.sqlite" : configuration.databaseURL
            database = try SQLiteServerDatabase(path: path)
        }
        do {
            try await database.prepare()
        } catch {
            await database.close()
            throw error
        }
        var registrationSettings = RegistrationService.Settings(regions: configuration.regions)
        registrationSettings.numberLifetime = Int64(configuration.numberLifetimeMinutes) * 60
        var exportSettings = ExportWorker.Settings(directory: configuration.exportDirectory, publicURL: configuration.effectivePublicURL,
                                                   regions: configuration.regions)
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

    /// Simulated (or real) unix seconds now.
    public func now() -> Int64 { Int64(configuration.clock.now()) }

    public func routes() -> NotificationRoutes {
        let limits = AttemptThrottle.Limits(perClient: configuration.attemptsPerClientPerHour, globalFailures: configuration.failedAttemptsPerHour,
                                            window: 3_600)
        var routes = NotificationRoutes(registration: registration, throttle: AttemptThrottle(limits: limits),
                                        // Every upload is charged to the global budget (never refunded): a global rate.
                                        logThrottle: AttemptThrottle(limits: .init(perClient: 5, globalFailures: configuration.logsUploadsPerHour, window: 3_600)),
                                        logs: logs, adminToken: secrets.adminToken,
                                        exportDirectory: configuration.serveExports ? configuration.exportDirectory : nil,
                                        clock: configuration.clock, logger: logger)
        routes.metrics = metrics
        return routes
    }

    public func close() async {
        await database.close()
    }
}
