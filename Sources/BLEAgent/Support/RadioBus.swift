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
        try AgentConfiguration.loadForCLI(path: config)
    }
}

extension RadioAgent {
    /// Runs the agent for `seconds` of real time (nil: until the process is ended), then stops it
    /// (it unregisters on the way out) and returns its status as it was at the end.
    func run(for seconds: Double?) async -> RadioStatus {
        let runner = Task { try await run() }
        if let seconds {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        } else {
            // Until Ctrl-C: the default SIGINT ends the process, every line is already written, and
            // bluetoothd drops our advert when our bus connection goes.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
        let status = await status
        runner.cancel()
        _ = await runner.result
        return status
    }
}

extension RadioStatus {
    /// An agent that never found an adapter failed, with bluetoothd's reason.
    func requireAdapter() throws(CLIError) {
        if adapter == nil { throw CLIError(.failure, lastError ?? "no Bluetooth adapter") }
    }
}
