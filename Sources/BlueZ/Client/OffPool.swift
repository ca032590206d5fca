import Foundation

/// Runs blocking work (a child process, an HCI request with its timeout) on a thread of its own, so
/// that Swift's cooperative pool, which the radio agent and the D-Bus replies share, never waits on it.
enum OffPool {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
