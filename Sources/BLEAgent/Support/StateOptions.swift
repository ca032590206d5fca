import ArgumentParser
import ContactStore
import Foundation
import TOMLConfiguration
#if canImport(Glibc)
import Glibc
#endif

/// `--state-dir`, shared by the verbs that touch the contact store.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "The agent's state directory (default: [agent] state_directory of /etc/bleagent/bleagent.toml, else $STATE_DIRECTORY, else /var/lib/bleagent).",
        valueName: "DIR"))
    var stateDirectory: String?

    /// The same directory the daemon uses: the option, the configuration file's `[agent]
    /// state_directory`, systemd's $STATE_DIRECTORY, the default. A configuration file that does not
    /// load is said (78, or 77 when this user may not read it), never silently replaced by the
    /// default: that would answer about another folder.
    func directory(config: String? = nil) throws(CLIError) -> StoreDirectory {
        try Self.resolve(stateDirectory: stateDirectory, config: config, standardPath: AgentConfiguration.standardPath)
    }

    static func resolve(stateDirectory: String?, config: String?, standardPath: String) throws(CLIError) -> StoreDirectory {
        if let stateDirectory { return StoreDirectory(path: stateDirectory) }
        return try AgentConfiguration.loadForCLI(path: config, standardPath: standardPath).storeDirectory
    }
}

extension AgentConfiguration {
    /// `load(path:)` with its failures as the CLI says them: unreadable for this user → 77, refused → 78.
    static func loadForCLI(path: String?, standardPath: String = AgentConfiguration.standardPath) throws(CLIError) -> AgentConfiguration {
        let file = path ?? standardPath
        if FileManager.default.fileExists(atPath: file), access(file, R_OK) != 0, errno == EACCES {
            throw CLIError(.permission, ErrorText.configurationUnreadable(file: file))
        }
        do {
            guard let file = try ConfigurationFile.text(at: path, standardPath: standardPath) else { return AgentConfiguration() }
            return try parse(file.text, path: file.path)
        } catch {
            throw CLIError(.configuration, ErrorText.configurationRefused("\(error)"))
        }
    }
}

extension StoreError {
    /// The CLI's reading of a store error: a missing store is no input, a refused one a permission
    /// problem, damage a data error; a missing key or a locked store is said so.
    var cliError: CLIError {
        switch self {
        case .noStore, .keyUnavailable, .directory: CLIError(.noInput, ErrorText.store(self))
        case .permissionDenied: CLIError(.permission, ErrorText.store(self))
        case .corrupt: CLIError(.dataError, ErrorText.store(self))
        default: CLIError(.failure, ErrorText.store(self))
        }
    }
}
