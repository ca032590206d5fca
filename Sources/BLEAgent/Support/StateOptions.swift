import ArgumentParser
import ContactStore
import Foundation

/// `--state-dir`, shared by the verbs that touch the contact store.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "The agent's state directory (default: [agent] state_directory of /etc/bleagent/bleagent.toml, else $STATE_DIRECTORY, else /var/lib/bleagent).",
        valueName: "DIR"))
    var stateDirectory: String?

    /// The same directory the daemon uses: the option, the configuration file's `[agent]
    /// state_directory`, systemd's $STATE_DIRECTORY, the default. (A configuration file that does not load stops
    /// the daemon with its own message; here it only means the default.)
    var directory: StoreDirectory {
        if let stateDirectory { return StoreDirectory(path: stateDirectory) }
        return (try? AgentConfiguration.load())?.storeDirectory ?? .standard()
    }
}

extension StoreError {
    /// The CLI's reading of a store error: a full disk or damage is a failure; a missing key or a
    /// locked store is something the user can fix and is said so.
    var cliError: CLIError {
        switch self {
        case .keyUnavailable, .directory: CLIError(.noInput, description)
        case .corrupt: CLIError(.dataError, description)
        default: CLIError(.failure, description)
        }
    }
}
