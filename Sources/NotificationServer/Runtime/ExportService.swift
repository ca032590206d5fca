import AgentTime
import Logging
import ServiceLifecycle

/// Runs the export worker at start and then every `interval` (simulated) minutes until shutdown.
/// A failed pass is logged and retried at the next one: keys stay in the database meanwhile.
public struct ExportService: Service {
    let runtime: ServerRuntime

    public init(runtime: ServerRuntime) {
        self.runtime = runtime
    }

    public func run() async throws {
        let interval = runtime.configuration.clock.realSeconds(for: runtime.configuration.exportIntervalMinutes * 60)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let report = try await runtime.worker.run(now: runtime.now(), nowMillis: runtime.nowMillis())
                runtime.metrics.recordExportPass(report)
                if let holder = report.leaseHolder {
                    runtime.logger.debug("export pass skipped: \(holder) holds the export lease")
                } else if report.filesWritten + report.filesResumed + report.filesDeleted > 0 {
                    runtime.logger.info("export pass", metadata: [
                        "files": "\(report.filesWritten)", "resumed": "\(report.filesResumed)", "keys": "\(report.keysPublished)",
                        "padding": "\(report.paddingKeys)", "deleted": "\(report.filesDeleted)"])
                }
            } catch {
                runtime.metrics.recordExportPass(nil)
                runtime.logger.error("export pass failed (keys stay queued; next try in \(Int(interval)) s): \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }
}
