import AgentTime
import ContactStore
import ExposureNotification
import Foundation

/// This device's daily keys that have been on air: from the running daemon (`GetOwnKeys`, root
/// only by the bus policy), else from the store itself (which needs its key). What `keys own`
/// shows and `register` shares (after the onset rule).
enum OwnKeySource {
    static func keysOnAir(directory: @autoclosure () throws(CLIError) -> StoreDirectory) async throws(CLIError) -> [TemporaryExposureKey] {
        var fromDaemon: [KeyJSON]?
        do throws(DaemonClient.Failure) {
            fromDaemon = try await DaemonClient.connect().json("GetOwnKeys", as: [KeyJSON].self)
        } catch {
            guard case .notRunning = error else { throw DaemonClient.cliError(error, denied: ErrorText.ownKeysDenied) }
        }
        if let fromDaemon {
            return try fromDaemon.map { json throws(CLIError) in
                guard let data = Block16(hex: json.keyData) else { throw CLIError(.dataError, "the daemon sent a malformed key") }
                return TemporaryExposureKey(keyData: data, rollingStartIntervalNumber: ENIntervalNumber(rawValue: json.rollingStartIntervalNumber),
                                            rollingPeriod: json.rollingPeriod ?? TemporaryExposureKey.maximumRollingPeriod)
            }
        }
        // The daemon is down: read the store ourselves (needs its key), creating nothing.
        let directory = try directory()
        do throws(StoreError) {
            let now = Int64(Date().timeIntervalSince1970)
            let store = try await ContactStore.open(directory, now: now, expiring: SystemClockSync.read() == .synchronized, creating: false)
            return try await store.ownKeysOnAir(now: now)
        } catch {
            throw error.cliError
        }
    }
}
