import AsyncHTTPClient
@testable import BLEAgent
import ContactStore
import DBus
import Foundation
import Logging
import TestSupport
import Testing

/// The daemon's D-Bus interface over a real `dbus-daemon`: typed properties (Get, GetAll, Set refused),
/// PropertiesChanged when consent changes, InvalidArgs for an unknown terms version or wrong
/// arguments; the installed interface file and the documentation agree with what is served.
@Suite(.enabled(if: PrivateBus.available, "needs /usr/bin/dbus-daemon (Debian package dbus)"))
struct AgentServiceTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A daemon without a radio on a private bus, serving the interface; `body` gets a client and the announcements.
    func withService(_ body: (DBusConnection, String, AsyncStream<DBusMessage>) async throws -> Void) async throws {
        let directory = TemporaryDirectory("agent-service")
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        let configuration = try AgentConfiguration.parse("[agent]\nstate_directory = \"\(directory.path)\"\nrequire_time_sync = false\n",
                                                         path: "test.toml")
        let store = try await ContactStore.open(configuration.storeDirectory, now: Int64(Date().timeIntervalSince1970))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let logger = Logger(label: "test")
        let daemon = AgentDaemon(configuration: configuration, store: store, bus: nil, httpClient: http,
                                 notifier: ContactNotifier(journal: nil, logger: logger, hook: nil) { _ in }, logger: logger)
        try server.export(AgentService(daemon: daemon), at: AgentService.path)
        let changes = try await client.signals(matching: DBusMatchRule(sender: server.uniqueName, interface: DBusProperties.interface,
                                                                       member: "PropertiesChanged", path: AgentService.path))
        await daemon.publishProperties(AgentService.propertiesChanged(on: server))
        do {
            try await body(client, server.uniqueName, changes)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func call(_ client: DBusConnection, _ name: String, _ interface: String, _ member: String,
              _ arguments: [DBusValue] = []) async throws(DBusError) -> [DBusValue] {
        try await client.call(DBusMethodCall(destination: name, path: AgentService.path, interface: interface, member: member, arguments: arguments))
    }

    func failure(_ body: () async throws -> [DBusValue]) async -> DBusError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? DBusError ?? DBusError(name: "not a D-Bus error", message: "\(error)")
        }
    }

    @Test func propertiesAreTypedReadOnlyAndAnnounced() async throws {
        try await withService { client, name, changes in
            let consent = try await call(client, name, DBusProperties.interface, "Get", [.string(AgentService.interface), .string("Consent")])
            #expect(consent == [.variant(.boolean(false))])
            let all = try #require(try await call(client, name, DBusProperties.interface, "GetAll", [.string(AgentService.interface)])
                .first?.stringKeyedDictionary)
            #expect(Set(all.keys) == Set(AgentProperties.descriptions.map(\.name)))
            for property in AgentProperties.descriptions {
                #expect(all[property.name]?.unwrapped.signature == property.type, "\(property.name)")
            }
            #expect(all["TermsVersion"] == .variant(.string(AgentDaemon.termsVersion)))
            #expect(all["ContactDays"] == .variant(.uint32(0)))

            let set = await failure {
                try await call(client, name, DBusProperties.interface, "Set", [.string(AgentService.interface), .string("Consent"), .variant(.boolean(true))])
            }
            #expect(set?.name == DBusProperties.propertyReadOnlyName)

            _ = try await call(client, name, AgentService.interface, "AcceptConsent", [.string(AgentDaemon.termsVersion)])
            var iterator = changes.makeAsyncIterator()
            let signal = try #require(await iterator.next())
            #expect(signal.arguments.first == .string(AgentService.interface))
            let changed = try #require(signal.arguments.dropFirst().first?.stringKeyedDictionary)
            #expect(changed["Consent"] == .variant(.boolean(true)))
            #expect((changed["ConsentDecidedAt"]?.integer ?? 0) > 0)
            #expect(changed["Version"] == nil)   // const: never announced

            _ = try await call(client, name, AgentService.interface, "WithdrawConsent")
            let withdrawn = try #require(await iterator.next())
            #expect(withdrawn.arguments.dropFirst().first?.stringKeyedDictionary?["Consent"] == .variant(.boolean(false)))
        }
    }

    @Test func anUnknownTermsVersionAndWrongArgumentsAreInvalidArgs() async throws {
        try await withService { client, name, _ in
            let unknown = await failure { try await call(client, name, AgentService.interface, "AcceptConsent", [.string("2")]) }
            #expect(unknown?.name == DBusError.invalidArgsName)
            #expect(unknown?.message.contains("unknown terms version \"2\"") == true)
            for (member, arguments) in [("AcceptConsent", [DBusValue.uint32(1)]), ("AcceptConsent", []), ("GetStatus", [.string("x")]),
                                        ("Forget", [.boolean(true)]), ("DownloadNow", [.int32(1)])] {
                let refused = await failure { try await call(client, name, AgentService.interface, member, arguments) }
                #expect(refused?.name == DBusError.invalidArgsName, "\(member)")
            }
            let consent = try await call(client, name, DBusProperties.interface, "Get", [.string(AgentService.interface), .string("Consent")])
            #expect(consent == [.variant(.boolean(false))])
            let introspection = try await call(client, name, "org.freedesktop.DBus.Introspectable", "Introspect")
            #expect(introspection == [.string(AgentService.introspection)])
        }
    }

    @Test func publishingAnnouncesSightingsAtMostEveryInterval() {
        var publisher = PropertyPublisher(sightingsInterval: 30)
        var snapshot = AgentProperties(version: "1", termsVersion: "1", consent: true, consentDecidedAt: 5, clockSynchronised: true,
                                       advertising: false, scanning: false, sightingsToday: 0, lastDownload: 0, nextDownload: 0,
                                       contactDays: 0, storeError: "")
        #expect(publisher.changes(to: snapshot, at: 100).isEmpty)   // the baseline
        snapshot.sightingsToday = 10
        #expect(publisher.changes(to: snapshot, at: 110).isEmpty)
        snapshot.advertising = true
        #expect(publisher.changes(to: snapshot, at: 120) == ["Advertising": .boolean(true)])
        #expect(publisher.changes(to: snapshot, at: 130) == ["SightingsToday": .uint32(10)])
        snapshot.sightingsToday = 12
        #expect(publisher.changes(to: snapshot, at: 140).isEmpty)
        #expect(publisher.changes(to: snapshot, at: 100) == ["SightingsToday": .uint32(12)])   // the clock went back
        #expect(publisher.changes(to: snapshot, at: 200).isEmpty)
    }

    @Test func theInstalledInterfaceFileIsWhatIsServed() throws {
        let path = Self.repository.appendingPathComponent("share/dbus-1/interfaces/org.bleagent.Agent1.xml").path
        if ProcessInfo.processInfo.environment["BLEAGENT_UPDATE_INTERFACE_XML"] == "1" {
            try AgentService.interfaceFile.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let installed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(installed == AgentService.interfaceFile, "regenerate: BLEAGENT_UPDATE_INTERFACE_XML=1 swift test --filter theInstalledInterfaceFileIsWhatIsServed")
    }

    @Test func theDocumentationNamesEveryMethodPropertySignalAndError() throws {
        let doc = try String(contentsOf: Self.repository.appendingPathComponent("doc/org.bleagent.Agent1.md"), encoding: .utf8)
        let description = AgentService.description
        let names = description.methods.map(\.name) + description.signals.map(\.name) + description.properties.map(\.name)
            + description.methods.flatMap(\.errors)
        for name in names {
            #expect(doc.contains("`\(name)"), "doc/org.bleagent.Agent1.md does not mention \(name)")
        }
        for property in description.properties {
            #expect(doc.contains("| `\(property.name)` | `\(property.type)` |"), "\(property.name) is not in the properties table with its type")
        }
    }
}
