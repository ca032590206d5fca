import HostSupport
import Logging
import ServiceLifecycle
import Synchronization

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
        // Said when the database stops answering and when it answers again, not at every pet.
        let answering = Answering()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await notifier.watchdogLoop {
                    let answers = await Self.answers(database, within: limit)
                    let was = answering.state.withLock { state in
                        defer { state = answers }
                        return state
                    }
                    if was && !answers { logger.error("the database does not answer (SELECT 1): the watchdog is no longer petted") }
                    if !was && answers { logger.notice("the database answers again") }
                    return answers
                }
            }
            try? await gracefulShutdown()
            notifier.notify("STOPPING=1")
            group.cancelAll()
        }
    }

    /// Whether the database answered the last ping (shared by the watchdog's closures).
    final class Answering: Sendable {
        let state = Mutex(true)
    }

    /// True when the database answers a ping within `limit`.
    static func answers(_ database: any ServerDatabase, within limit: Duration) async -> Bool {
        await withinTimeLimit(limit) { () async -> Bool in
            do throws(ServerError) {
                try await database.ping()
                return true
            } catch {
                return false
            }
        } ?? false
    }
}
