import HostSupport
import Logging
import ServiceLifecycle

/// `serve`'s side of `Type=notify` after READY=1 (which the HTTP server sends once it listens):
/// pets the watchdog (`WatchdogSec=`) every half period while the database answers `SELECT 1` within
/// that half period, and says STOPPING=1 when a graceful shutdown begins. Without systemd it only waits.
public struct ServiceManagerService: Service {
    let notifier: SystemdNotifier
    let database: any ServerDatabase
    let logger: Logger

    public init(notifier: SystemdNotifier, database: any ServerDatabase, logger: Logger) {
        self.notifier = notifier
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        let limit = notifier.watchdogInterval ?? .seconds(15)
        let database = database, logger = logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await notifier.watchdogLoop { await Self.answers(database, within: limit, logger: logger) }
            }
            try? await gracefulShutdown()
            notifier.notify("STOPPING=1")
            group.cancelAll()
        }
    }

    /// True when the database answers a ping within `limit`; a failure is logged (the watchdog then
    /// goes unpetted and systemd restarts the server if it lasts `WatchdogSec=`).
    static func answers(_ database: any ServerDatabase, within limit: Duration, logger: Logger) async -> Bool {
        let answered = await withinTimeLimit(limit) { () async -> Bool in
            do throws(ServerError) {
                try await database.ping()
                return true
            } catch {
                logger.warning("watchdog: the database does not answer: \(error)")
                return false
            }
        }
        if answered == nil { logger.warning("watchdog: the database did not answer within \(limit)") }
        return answered ?? false
    }
}
