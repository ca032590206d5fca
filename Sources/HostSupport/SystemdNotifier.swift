import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's side of `Type=notify`: READY=1, STATUS=…, STOPPING=1, WATCHDOG=1 datagrams
/// to `$NOTIFY_SOCKET` (abstract when it starts with `@`). Does nothing when not run by systemd.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// Half of `$WATCHDOG_USEC`, when the watchdog is on (and meant for this process).
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"]
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0, usec <= UInt64(Int64.max),
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath, !socketPath.isEmpty else { return false }
        return UnixDatagram.send(Array(state.utf8), to: socketPath)
    }

    /// Pets the watchdog until cancelled, as long as `healthy` says the daemon's loops are alive.
    public func watchdogLoop(healthy: @escaping @Sendable () async -> Bool) async {
        guard let watchdogInterval else { return }
        while !Task.isCancelled {
            if await healthy() { notify("WATCHDOG=1") }
            try? await Task.sleep(for: watchdogInterval)
        }
    }
}
