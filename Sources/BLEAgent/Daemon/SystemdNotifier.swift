import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's side of `Type=notify`: READY=1, STATUS=…, WATCHDOG=1 datagrams to
/// `$NOTIFY_SOCKET` (abstract when it starts with `@`). Does nothing when not run by systemd.
struct SystemdNotifier: Sendable {
    let socketPath: String?
    /// Half of `$WATCHDOG_USEC`, when the watchdog is on.
    let watchdogInterval: Duration?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"]
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    @discardableResult
    func notify(_ state: String) -> Bool {
        guard let socketPath, !socketPath.isEmpty else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socketPath.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let payload = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, payload, payload.count, 0, $0, length) }
        }
        return sent == payload.count
    }

    /// Pets the watchdog until cancelled, as long as `healthy` says the daemon's loops are alive.
    func watchdogLoop(healthy: @escaping @Sendable () async -> Bool) async {
        guard let watchdogInterval else { return }
        while !Task.isCancelled {
            if await healthy() { notify("WATCHDOG=1") }
            try? await Task.sleep(for: watchdogInterval)
        }
    }
}
