import Logging
import ServiceLifecycle

/// The automatic reissue, every (simulated) minute while `serve` runs: a case whose number expired
/// unused gets a new one, delivered through `[registration] delivery_command` (up to 4 times, never
/// after a registration). Without a delivery command nobody could receive it: there is no service
/// then (a service that ended would end the server with it).
public struct ReissueService: Service {
    let runtime: ServerRuntime
    let delivery: NumberDelivery

    public init?(runtime: ServerRuntime) {
        guard let delivery = runtime.delivery else { return nil }
        self.runtime = runtime
        self.delivery = delivery
    }

    public func run() async throws {
        let interval = runtime.configuration.clock.realSeconds(for: 60)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do throws(RegistrationService.Failure) {
                for number in try await runtime.registration.reissueExpired(now: runtime.now()) {
                    runtime.logger.info("processing number reissued automatically", metadata: ["case": "\(number.caseID)", "reissues_left": "\(number.reissuesLeft)"])
                    await delivery.deliver(number, logger: runtime.logger)
                }
            } catch {
                runtime.logger.error("automatic reissue failed (next try in \(Int(interval)) s): \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }
}
