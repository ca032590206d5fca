import DBus
import ExposureNotification
import Foundation

/// The CLI's side of the daemon's D-Bus interface. `$BLEAGENT_BUS_ADDRESS` points it at another bus (tests).
struct DaemonClient {
    let connection: DBusConnection

    enum Failure: Error {
        /// No daemon owns org.bleagent.Agent.
        case notRunning
        case bus(DBusError)
    }

    static func connect() async throws(Failure) -> DaemonClient {
        do {
            if let address = ProcessInfo.processInfo.environment["BLEAGENT_BUS_ADDRESS"] {
                return DaemonClient(connection: try await DBusConnection.connect(address: address))
            }
            return DaemonClient(connection: try await DBusConnection.system())
        } catch {
            // No bus to reach means no daemon on it either: verbs that can read the store do so.
            if ["org.freedesktop.DBus.Error.FileNotFound", "org.freedesktop.DBus.Error.NoServer"].contains(error.name) { throw .notRunning }
            throw .bus(error)
        }
    }

    /// Whether the daemon owns its name on the bus (asked of the bus, which answers anyone).
    func daemonIsRunning() async throws(Failure) -> Bool {
        let reply: [DBusValue]
        do {
            reply = try await connection.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                             interface: "org.freedesktop.DBus", member: "NameHasOwner",
                                                             arguments: [.string(AgentService.busName)]))
        } catch {
            throw .bus(error)
        }
        guard case .boolean(let running)? = reply.first else {
            throw .bus(DBusError(name: "org.bleagent.Error.Protocol", message: "the bus answered NameHasOwner with something unreadable"))
        }
        return running
    }

    func call(_ member: String, _ arguments: [DBusValue] = [], timeout: Duration = .seconds(60)) async throws(Failure) -> [DBusValue] {
        do {
            return try await connection.call(DBusMethodCall(destination: AgentService.busName, path: AgentService.path,
                                                            interface: AgentService.interface, member: member, arguments: arguments),
                                             timeout: timeout)
        } catch {
            if error.name == DBusError.serviceUnknownName || error.name == "org.freedesktop.DBus.Error.NameHasNoOwner" { throw .notRunning }
            throw .bus(error)
        }
    }

    /// Calls a method returning JSON and decodes it.
    func json<Value: Decodable>(_ member: String, as type: Value.Type) async throws(Failure) -> Value {
        let reply = try await call(member)
        guard let text = reply.first?.string, let value = try? SnakeCaseJSON.decoder().decode(Value.self, from: Data(text.utf8)) else {
            throw .bus(DBusError(name: "org.bleagent.Error.Protocol", message: "the daemon answered \(member) with something unreadable"))
        }
        return value
    }

    static func explain(_ failure: Failure) -> ErrorText {
        switch failure {
        case .notRunning: .daemonNotRunning
        case .bus(let error) where error.name == accessDenied: .daemonDenied
        case .bus(let error): .daemon("\(error)")
        }
    }

    /// The command-line error for a failure, its exit code chosen as for every other verb: the bus
    /// policy's refusal is a permission problem (77, like an unreadable store), said as `denied` where
    /// a verb knows better who may ask; a daemon that is not there is unavailable (69); anything else
    /// a failure (1).
    static func cliError(_ failure: Failure, denied: any LocalizedMessage = ErrorText.daemonDenied) -> CLIError {
        switch failure {
        case .notRunning: CLIError(.unavailable, explain(failure))
        case .bus(let error) where error.name == accessDenied: CLIError(.permission, denied)
        case .bus: CLIError(.failure, explain(failure))
        }
    }

    private static let accessDenied = "org.freedesktop.DBus.Error.AccessDenied"
}
