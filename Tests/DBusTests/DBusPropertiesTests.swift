@testable import DBus
import Foundation
import Synchronization
import TestSupport
import Testing

/// org.freedesktop.DBus.Properties and argument checks, against a real `dbus-daemon`.
@Suite(.enabled(if: PrivateBus.available, "needs /usr/bin/dbus-daemon (Debian package dbus)"))
struct DBusPropertiesTests {
    static let description = DBusInterfaceDescription(
        name: "test.Thermostat1",
        methods: [.init("Reset", inputs: [.init("to", "i")], errors: [DBusError.invalidArgsName])],
        signals: [.init("Alarm", [.init("reason", "s")])],
        properties: [.init("Target", "i", writable: true), .init("Model", "s", emitsChanged: .const)])

    /// Serves the description: a writable `Target`, a read-only `Model`; a Set announces the change.
    final class Thermostat: DBusExportedObject {
        let target = Mutex<Int32>(20)
        let announce: @Sendable ([String: DBusValue]) -> Void

        init(announce: @escaping @Sendable ([String: DBusValue]) -> Void) { self.announce = announce }

        var values: [String: DBusValue] { ["Target": .int32(target.withLock { $0 }), "Model": .string("T-1000")] }

        func handle(_ call: DBusMessage) -> DBusReply {
            switch call.interface {
            case DBusProperties.interface?:
                switch DBusProperties.request(call, served: DBusPropertiesTests.description) {
                case .failure(let error): return .error(error)
                case .success(.set(_, let value)):
                    guard case .int32(let new) = value else { return .error(DBusError(name: DBusError.invalidArgsName, message: "")) }
                    target.withLock { $0 = new }
                    announce(["Target": value])
                    return .empty
                case .success(let request): return DBusProperties.reply(to: request, values: values)
                }
            case "test.Thermostat1"?:
                return DBusPropertiesTests.description.validate(call).map(DBusReply.error) ?? .empty
            default:
                return .error(DBusError(name: DBusError.unknownMethodName, message: ""))
            }
        }
    }

    func properties(_ client: DBusConnection, _ server: DBusConnection, _ member: String, _ arguments: [DBusValue]) async throws(DBusError) -> [DBusValue] {
        try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/thermostat", interface: DBusProperties.interface,
                                             member: member, arguments: arguments))
    }

    func errorName(_ body: () async throws -> [DBusValue]) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch {
            return (error as? DBusError)?.name ?? "\(error)"
        }
    }

    @Test func getGetAllSetAndPropertiesChanged() async throws {
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        try server.export(Thermostat { changed in
            try? server.emitPropertiesChanged(path: "/test/thermostat", interface: "test.Thermostat1", changed: changed)
        }, at: "/test/thermostat")
        let changes = try await client.signals(matching: DBusMatchRule(sender: server.uniqueName, interface: DBusProperties.interface,
                                                                       member: "PropertiesChanged", path: "/test/thermostat"))

        #expect(try await properties(client, server, "Get", [.string("test.Thermostat1"), .string("Target")]) == [.variant(.int32(20))])
        let all = try await properties(client, server, "GetAll", [.string("test.Thermostat1")]).first?.stringKeyedDictionary
        #expect(all == ["Target": .variant(.int32(20)), "Model": .variant(.string("T-1000"))])
        // "" asks for every interface: this one.
        #expect(try await properties(client, server, "GetAll", [.string("")]).first?.stringKeyedDictionary?.count == 2)

        _ = try await properties(client, server, "Set", [.string("test.Thermostat1"), .string("Target"), .variant(.int32(23))])
        #expect(try await properties(client, server, "Get", [.string("test.Thermostat1"), .string("Target")]) == [.variant(.int32(23))])
        var iterator = changes.makeAsyncIterator()
        let signal = try #require(await iterator.next())
        #expect(signal.arguments == [.string("test.Thermostat1"), .properties(["Target": .int32(23)]), .strings([])])

        let refusals = [
            await errorName { try await properties(client, server, "Set", [.string("test.Thermostat1"), .string("Model"), .variant(.string("x"))]) },
            await errorName { try await properties(client, server, "Set", [.string("test.Thermostat1"), .string("Target"), .variant(.string("hot"))]) },
            await errorName { try await properties(client, server, "Get", [.string("test.Thermostat1"), .string("Colour")]) },
            await errorName { try await properties(client, server, "Get", [.string("test.Other"), .string("Target")]) },
            await errorName { try await properties(client, server, "Get", [.string("test.Thermostat1")]) },
        ]
        #expect(refusals == [DBusProperties.propertyReadOnlyName, DBusError.invalidArgsName, DBusProperties.unknownPropertyName,
                             DBusProperties.unknownInterfaceName, DBusError.invalidArgsName])
    }

    @Test func methodsCheckTheirArguments() async throws {
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        try server.export(Thermostat { _ in }, at: "/test/thermostat")
        func reset(_ arguments: [DBusValue]) async throws(DBusError) -> [DBusValue] {
            try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/thermostat", interface: "test.Thermostat1",
                                                 member: "Reset", arguments: arguments))
        }
        #expect(try await reset([.int32(18)]) == [])
        do {
            _ = try await reset([.string("18")])
            Issue.record("a string was taken for an int32")
        } catch {
            #expect(error.name == DBusError.invalidArgsName)
            #expect(error.message == "Reset takes (i to), not (s)")
        }
        #expect(await errorName { try await reset([]) } == DBusError.invalidArgsName)
    }

    @Test func introspectionListsPropertiesWithTheirSignalAnnotation() {
        let xml = DBusInterfaceDescription.document([Self.description])
        #expect(xml.hasPrefix("<!DOCTYPE node PUBLIC"))
        #expect(xml.contains("<method name=\"Reset\"><arg name=\"to\" type=\"i\" direction=\"in\"/></method>"))
        #expect(xml.contains("<signal name=\"Alarm\"><arg name=\"reason\" type=\"s\"/></signal>"))
        #expect(xml.contains("<property name=\"Target\" type=\"i\" access=\"readwrite\">"
            + "<annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"true\"/></property>"))
        #expect(xml.contains("<property name=\"Model\" type=\"s\" access=\"read\">"
            + "<annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"const\"/></property>"))
    }
}
