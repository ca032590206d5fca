import ArgumentParser
import Foundation

@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bleagent-server",
        abstract: "The notification server: processing numbers, positive registrations, signed key files, operation logs.",
        discussion: """
        Runs without a configuration file: SQLite, keys and files under /var/lib/bleagent-server,
        listening on 127.0.0.1:8080. /etc/bleagent/server.toml (or --config) changes any of it,
        PostgreSQL included ([database] url = "postgres://…"). `init` creates the secrets, once.

        Logs go to the journal (journalctl -t bleagent-server; -p err for the errors), or to stderr without one.
        `config check` shows the effective settings and checks the secret files' permissions.

        Exit codes: 0 done, 1 failure, 66 no such case, 69 the database is unreachable or missing,
        74 the export files cannot be written, 75 another instance is exporting (try again later),
        78 a configuration problem (a missing secret included).
        """,
        version: ServerVersion.current,
        subcommands: [InitCommand.self, ServeCommand.self, ExportCommand.self, NumberCommand.self, StatusCommand.self, ConfigCommand.self]
    )
}

/// Options every verb takes.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: /etc/bleagent/server.toml when it exists).", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Override [server] data_directory.", valueName: "DIR"))
    var dataDirectory: String?

    @Option(name: .long, help: ArgumentHelp("Override [database] url (sqlite, FILE.sqlite or postgres://…).", valueName: "URL"))
    var database: String?

    @Flag(name: .long, help: "Print JSON for scripts instead of text for people.")
    var json = false
}
