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
            return .later { sink in Task { sink.send(.values([.string(Self.json(await daemon.status()))])) } }
        case (Self.interface, "GetExposures"):
            return .later { sink in
                Task {
                    do throws(StoreError) { sink.send(.values([.string(Self.json(try await daemon.exposures()))])) } catch { sink.send(.error(Self.error(error))) }
                }
            }
        case (Self.interface, "GetOwnKeys"):
            // The bus policy lets only root ask: these keys are what a positive registration shares.
            return .later { sink in
                Task {
                    do throws(StoreError) {
                        sink.send(.values([.string(Self.json(try await daemon.diagnosisKeys().map { KeyJSON($0, revised: false) }))]))
                    } catch {
                        sink.send(.error(Self.error(error)))
                    }
                }
            }
        case (Self.interface, "AcceptConsent"):
            guard let terms = call.arguments.first?.string else {
                return .error(DBusError(name: DBusError.invalidArgsName, message: "AcceptConsent takes the terms version (s)"))
            }
            return .later { sink in
                Task {
                    do throws(StoreError) { try await daemon.acceptConsent(termsVersion: terms); sink.send(.empty) } catch { sink.send(.error(Self.error(error))) }
                }
            }
        case (Self.interface, "WithdrawConsent"), (Self.interface, "Forget"):
            return .later { sink in
                Task {
                    do throws(StoreError) { try await daemon.withdrawConsent(); sink.send(.empty) } catch { sink.send(.error(Self.error(error))) }
                }
            }
        case (Self.interface, "DownloadNow"):
            return .later { sink in Task { sink.send(.values([.string(Self.json(await daemon.downloadAndMatch()))])) } }
        case ("org.freedesktop.DBus.Introspectable", "Introspect"):
            return .values([.string(Self.introspection)])
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(call.interface ?? "").\(call.member ?? "") does not exist"))
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
        </interface></node>
        """
}
