import ArgumentParser
import ContactStore

/// `--state-dir`, shared by the verbs that touch the contact store.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "The agent's state directory (default: $STATE_DIRECTORY, else /var/lib/bleagent).", valueName: "DIR"))
    var stateDirectory: String?

    var directory: StoreDirectory {
        stateDirectory.map(StoreDirectory.init(path:)) ?? .standard()
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
