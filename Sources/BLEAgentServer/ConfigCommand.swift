import ArgumentParser
import Foundation
import NotificationServer

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration before starting the server with it.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Parse the configuration, show the settings in force and check the files it names.",
            discussion: """
            Shows every setting (defaults included; a password never). Checks that the secret files
            (password_file or credential:NAME, the number secret, signing key and admin token once made)
            can be read and are private (0600), and that a configuration file holding the database
            password is not readable by everyone (0640). Run it as the server's user.
            --connect also connects to the database. Exit 0 good, 78 a problem, 69 the database unreachable.
            """)

        @OptionGroup var options: ServerOptions
        @Flag(help: "Also connect to the database (PostgreSQL: one connection and SELECT 1).") var connect = false

        struct Output: Encodable {
            var passed: Bool
            var settings: [String: String]
            var problems: [String]
            var warnings: [String]
            /// nil without --connect.
            var database: String?
        }

        func run() async throws {
            try await reporting { () throws(ServerFailure) in
                let configuration = try options.load()
                let file = options.config ?? (FileManager.default.fileExists(atPath: ServerConfiguration.standardPath) ? ServerConfiguration.standardPath : nil)
                let check = ConfigurationCheck(configuration, file: file)
                var connection: Result<String, ServerFailure>?
                if connect && check.passed { connection = await Self.connect(configuration) }
                let connected: String?, passed: Bool
                switch connection {
                case .success(let text): (connected, passed) = (text, check.passed)
                case .failure(let failure): (connected, passed) = (failure.message, false)
                case nil: (connected, passed) = (nil, check.passed)
                }
                if options.json {
                    printJSON(Output(passed: passed, settings: check.settings, problems: check.problems, warnings: check.warnings, database: connected))
                } else {
                    print("configuration: \(file ?? "(none: the defaults)")")
                    for key in check.settings.keys.sorted() { print("  \(key) = \(check.settings[key] ?? "")") }
                    for warning in check.warnings { print("warning: \(warning)") }
                    for problem in check.problems { print("problem: \(problem)") }
                    if let connected { print("database: \(connected)") }
                    if passed { print("ok") }
                }
                if !check.passed {
                    throw ServerFailure(message: "\(check.problems.count) problem(s) in the configuration", code: ServerFailure.configurationCode)
                }
                if case .failure(let failure) = connection { throw failure }
            }
        }

        /// Connects as the server would (SQLite: opens the file, if it exists yet).
        static func connect(_ configuration: ServerConfiguration) async -> Result<String, ServerFailure> {
            let logger = makeLogger()
            do throws(ServerError) {
                if configuration.usesPostgres {
                    let settings = try PostgresSettings(configuration)
                    try await settings.probe(logger: logger)
                    return .success("PostgreSQL at \(settings.endpoint.place) answers")
                }
                let path = configuration.databaseURL == "sqlite" ? "\(configuration.dataDirectory)/server.sqlite" : configuration.databaseURL
                guard FileManager.default.fileExists(atPath: path) else { return .success("SQLite \(path) does not exist yet (made at first start)") }
                let database = try SQLiteServerDatabase(path: path)
                do {
                    try await database.ping()
                } catch {
                    await database.close()
                    throw error
                }
                await database.close()
                return .success("SQLite \(path) answers")
            } catch {
                return .failure(ServerFailure(error))
            }
        }
    }
}
