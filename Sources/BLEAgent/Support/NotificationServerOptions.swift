import ArgumentParser
import Foundation

/// `--config` and `--server`, shared by the verbs that talk to the notification server
/// (`register`, `logs send`): the configuration, and the server from `--server` or `[registration] server`.
struct NotificationServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Configuration file (default: /etc/bleagent/bleagent.toml).", valueName: "PATH"))
    var config: String?
    @Option(help: ArgumentHelp("The notification server (overrides [registration] server).", valueName: "URL"))
    var server: String?

    /// The configuration and the server's base URL, or a one-line error: 64 a bad --server, 78 a
    /// configuration refused or naming no server (77 one this user may not read).
    func resolve() throws(CLIError) -> (AgentConfiguration, URL) {
        let configuration = try AgentConfiguration.loadForCLI(path: config)
        if let server {
            guard let url = URL(string: server), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw CLIError(.usage, "--server expects an https URL")
            }
            if let refusal = configuration.registrationTransport.refusal(url, table: "registration") {
                throw CLIError(.usage, "--server: \(refusal)")
            }
            return (configuration, url)
        }
        guard let url = configuration.registrationServer else {
            throw CLIError(.configuration, ErrorText.noNotificationServer(file: config ?? AgentConfiguration.standardPath))
        }
        return (configuration, url)
    }
}
