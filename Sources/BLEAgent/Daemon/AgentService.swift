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
        switch (call.interface, call.member) {
        case (Self.interface, "GetStatus"):
            return Self.later { [.string(Self.json(await daemon.status()))] }
        case (Self.interface, "GetExposures"):
            return Self.later { [.string(Self.json(try await daemon.exposures()))] }
        case (Self.interface, "GetOwnKeys"):
            // The bus policy lets only root ask: these keys are what a positive registration shares.
            return Self.later { [.string(Self.json(try await daemon.diagnosisKeys().map { KeyJSON($0, revised: false) }))] }
        case (Self.interface, "AcceptConsent"):
            guard let terms = call.arguments.first?.string else {
                return .error(DBusError(name: DBusError.invalidArgsName, message: "AcceptConsent takes the terms version (s)"))
            }
            return Self.later { try await daemon.acceptConsent(termsVersion: terms); return [] }
        case (Self.interface, "WithdrawConsent"), (Self.interface, "Forget"):
            return Self.later { try await daemon.withdrawConsent(); return [] }
        case (Self.interface, "DownloadNow"):
            return Self.later { [.string(Self.json(await daemon.downloadAndMatch()))] }
        case ("org.freedesktop.DBus.Introspectable", "Introspect"):
            return .values([.string(Self.introspection)])
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(call.interface ?? "").\(call.member ?? "") does not exist"))
        }
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
        DBusError(name: "org.bleagent.Error.Store", message: error.description)
    }

    static func json<Value: Encodable>(_ value: Value) -> String {
        (try? SnakeCaseJSON.encoder([.sortedKeys]).encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static let introspection = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        <node><interface name="org.bleagent.Agent1">
        <method name="GetStatus"><arg name="status_json" type="s" direction="out"/></method>
        <method name="GetExposures"><arg name="exposures_json" type="s" direction="out"/></method>
        <method name="GetOwnKeys"><arg name="keys_json" type="s" direction="out"/></method>
        <method name="AcceptConsent"><arg name="terms_version" type="s" direction="in"/></method>
        <method name="WithdrawConsent"/>
        <method name="Forget"/>
        <method name="DownloadNow"><arg name="report_json" type="s" direction="out"/></method>
        <signal name="ContactDay"><arg name="date" type="s"/><arg name="contacts" type="u"/><arg name="minutes" type="u"/></signal>
        <signal name="Forgotten"/>
        </interface></node>
        """
}
