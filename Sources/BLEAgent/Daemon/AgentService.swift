import ContactStore
import DBus
import ExposureNotification
import Foundation

/// The daemon's own D-Bus interface, `org.bleagent.Agent1` at `/org/bleagent/Agent` on the system
/// bus (documented in doc/org.bleagent.Agent1.md). Status and exposures are JSON strings so scripts
/// and the CLI read one format; who may call what is the bus policy's job (systemd/org.bleagent.Agent.conf).
final class AgentService: DBusExportedObject {
    static let busName = "org.bleagent.Agent"
    static let path = "/org/bleagent/Agent"
    static let interface = "org.bleagent.Agent1"

    let daemon: AgentDaemon

    init(daemon: AgentDaemon) { self.daemon = daemon }

    func handle(_ call: DBusMessage) -> DBusReply {
        let daemon = daemon
        switch call.interface {
        case Self.interface?:
            if let error = Self.description.validate(call) { return .error(error) }
        case DBusProperties.interface?:
            return properties(call)
        case "org.freedesktop.DBus.Introspectable"? where call.member == "Introspect":
            return .values([.string(Self.introspection)])
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(call.interface ?? "").\(call.member ?? "") does not exist"))
        }
        switch call.member {
        case "GetStatus":
            return Self.later { [.string(Self.json(await daemon.status()))] }
        case "GetExposures":
            return Self.later { [.string(Self.json(try await daemon.exposures()))] }
        case "GetOwnKeys":
            // The bus policy lets only root ask: these keys are what a positive registration shares.
            return Self.later { [.string(Self.json(try await daemon.diagnosisKeys().map { KeyJSON($0, revised: false) }))] }
        case "AcceptConsent":
            let terms = call.arguments.first?.string ?? ""
            guard terms == AgentDaemon.termsVersion else {
                return .error(DBusError(name: DBusError.invalidArgsName,
                                        message: "unknown terms version \"\(terms)\": this daemon's terms are version \(AgentDaemon.termsVersion) (bleagent consent shows them)"))
            }
            return Self.later { try await daemon.acceptConsent(termsVersion: terms); return [] }
        case "WithdrawConsent", "Forget":
            return Self.later { try await daemon.withdrawConsent(); return [] }
        case "DownloadNow":
            return Self.later { [.string(Self.json(await daemon.downloadAndMatch()))] }
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(Self.interface).\(call.member ?? "") is not served"))
        }
    }

    /// org.freedesktop.DBus.Properties: every property is read-only.
    private func properties(_ call: DBusMessage) -> DBusReply {
        let daemon = daemon
        switch DBusProperties.request(call, served: Self.description) {
        case .failure(let error):
            return .error(error)
        case .success(.set(let property, _)):
            return .error(DBusError(name: DBusProperties.propertyReadOnlyName, message: "\(Self.interface).\(property.name) is read-only"))
        case .success(let request):
            return .later { sink in
                Task { sink.send(DBusProperties.reply(to: request, values: await daemon.properties().values)) }
            }
        }
    }

    /// Announces changed properties (`AgentDaemon.publishProperties` decides when).
    static func propertiesChanged(on bus: DBusConnection) -> @Sendable ([String: DBusValue]) -> Void {
        { changed in try? bus.emitPropertiesChanged(path: path, interface: interface, changed: changed) }
    }

    /// Answers once `work` is done, off the bus thread: its values, or the store's error (the only
    /// error the daemon's methods throw).
    static func later(_ work: @escaping @Sendable () async throws -> [DBusValue]) -> DBusReply {
        .later { sink in
            Task {
                do {
                    sink.send(.values(try await work()))
                } catch let error as StoreError {
                    sink.send(.error(Self.error(error)))
                } catch {
                    sink.send(.error(DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "\(error)")))
                }
            }
        }
    }

    static func error(_ error: StoreError) -> DBusError {
        DBusError(name: storeError, message: error.description)
    }

    static func json<Value: Encodable>(_ value: Value) -> String {
        (try? SnakeCaseJSON.encoder([.sortedKeys]).encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// What Introspect answers: our interface and the standard ones the object serves.
    static let introspection = DBusInterfaceDescription.document([
        description, DBusInterfaceDescription.propertiesInterface, DBusInterfaceDescription.introspectable,
    ])

    /// The file installed as /usr/share/dbus-1/interfaces/org.bleagent.Agent1.xml (a test keeps
    /// share/dbus-1/interfaces/ equal to it).
    static let interfaceFile = DBusInterfaceDescription.document([description])
}
