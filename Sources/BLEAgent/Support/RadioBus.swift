import ArgumentParser
import BlueZ
import DBus
import Foundation

/// The system bus for the `radio` verbs, with bluetoothd's reasons for refusing said plainly.
enum RadioBus {
    static func connect() async throws(CLIError) -> DBusConnection {
        do throws(DBusError) {
            return try await DBusConnection.system()
        } catch {
            throw CLIError(.failure, BlueZAdapters.explain(error))
        }
    }
}

/// `--config`, for the `radio` verbs that use this device's calibration.
struct RadioConfigOption: ParsableArguments {
    @Option(help: ArgumentHelp("Configuration file (default: /etc/bleagent/bleagent.toml, if present).", valueName: "FILE"))
    var config: String?

    func load() throws(CLIError) -> AgentConfiguration {
        do { return try AgentConfiguration.load(path: config) } catch { throw CLIError(.configuration, "\(error)") }
    }
}
