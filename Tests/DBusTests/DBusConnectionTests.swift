@testable import DBus
import Foundation
import TestSupport
import Testing

/// The D-Bus layer against a real `dbus-daemon`.
@Suite(.enabled(if: PrivateBus.available, "needs /usr/bin/dbus-daemon (Debian package dbus)"))
struct DBusConnectionTests {
    /// `Support/peer.py`: a Python D-Bus peer playing one role (sleeper, callback, holder).
    static let peerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Support/peer.py"

    /// Starts the peer in `role` owning `name`, and returns once it says it is ready.
    func startPeer(on bus: PrivateBus, _ role: String, _ name: String) throws {
        try bus.spawnReady("/usr/bin/python3", [Self.peerScript, role, name])
    }

    /// Echoes its arguments; counts calls.
    final class Echo: DBusExportedObject, @unchecked Sendable {
        var members: [String] = []
        func handle(_ call: DBusMessage) -> DBusReply {
            members.append(call.member ?? "")
            switch (call.interface, call.member) {
            case ("test.Echo", "Echo"): return .values(call.arguments)
            case ("org.freedesktop.DBus.Properties", "GetAll"):
                return .values([.properties(["Type": .string("broadcast"), "Data": .bytes([1, 2, 3])])])
            default: return .error(DBusError(name: DBusError.unknownMethodName, message: "no \(call.member ?? "")"))
            }
        }
    }

    let sample: [DBusValue] = [
        .byte(7), .boolean(true), .int16(-2), .uint16(65_000), .int32(-70_000), .uint32(4_000_000_000),
        .int64(-1 << 40), .uint64(1 << 63), .double(2.5), .string("héllo"), .objectPath("/org/bleagent/a1"),
        .signature("a{sv}"), .bytes(Array(0..<20)), .bytes([]), .strings(["0000fd6f-0000-1000-8000-00805f9b34fb"]),
        .properties(["Type": .string("broadcast"), "ServiceData": .properties(["fd6f": .bytes([9, 8, 7])]), "TxPower": .int16(5)]),
        .structure([.byte(0), .byte(0x16), .bytes([0x6f, 0xfd])]),
        .array(elementSignature: "(yyay)", [.structure([.byte(0), .byte(0x16), .bytes([0x6f, 0xfd])])]),
        .variant(.variant(.uint32(3))),
        .dictionary(keySignature: "o", valueSignature: "a{sa{sv}}", []),
    ]

    @Test func everyTypeRoundTripsThroughTheBus() async throws {
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        let echo = Echo()
        try server.export(echo, at: "/test/echo")
        let reply = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/echo",
                                                         interface: "test.Echo", member: "Echo", arguments: sample))
        #expect(reply == sample)
        #expect(reply[15].stringKeyedDictionary?["ServiceData"]?.stringKeyedDictionary?["fd6f"]?.byteArray == [9, 8, 7])
        #expect(reply[15].stringKeyedDictionary?["TxPower"]?.integer == 5)
    }

    @Test func errorsCarryThePeersNameAndMessage() async throws {
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        try server.export(Echo(), at: "/test/echo")
        await #expect(throws: DBusError(name: DBusError.unknownMethodName, message: "no Nope")) {
            _ = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/echo", interface: "test.Echo", member: "Nope"))
        }
        do {
            _ = try await client.call(DBusMethodCall(destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.bluez.Adapter1", member: "StartDiscovery"))
            Issue.record("called a missing service")
        } catch {
            #expect(error.name == DBusError.serviceUnknownName)
        }
        // Unexported objects are unknown.
        server.unexport(path: "/test/echo")
        await #expect(throws: DBusError.self) {
            _ = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/echo", interface: "test.Echo", member: "Echo"))
        }
        // An invalid object path is refused before it reaches libdbus (which would abort the process).
        await #expect(throws: DBusError.self) {
            _ = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "not/a/path", interface: "test.Echo", member: "Echo"))
        }
    }

    @Test func callsTimeOutAndCanBeCancelled() async throws {
        let bus = try PrivateBus()
        try startPeer(on: bus, "sleeper", "test.Sleeper")
        let client = try await DBusConnection.connect(address: bus.address)
        let call = DBusMethodCall(destination: "test.Sleeper", path: "/", interface: "test.X", member: "Wait")
        // The peer never answers. A call with a long timeout goes out first, then two with 300 ms: they
        // end with NoReply while the long one is still pending, so each call keeps its own timeout (were
        // timeouts ignored, libdbus's 25 s default would end the long call first, before it is
        // cancelled). Nothing here depends on how fast a loaded host schedules us.
        let long = Task { try await client.call(call, timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(100))
        await #expect(throws: DBusError.self) { _ = try await client.call(call, timeout: .milliseconds(300)) }
        do { _ = try await client.call(call, timeout: .milliseconds(300)); Issue.record("the peer answered") } catch {
            #expect(error.name == DBusError.noReplyName)
        }
        long.cancel()
        do { _ = try await long.value; Issue.record("not cancelled") } catch let error as DBusError { #expect(error == .cancelled()) }
        // The connection is still good afterwards.
        _ = try await client.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                 interface: "org.freedesktop.DBus", member: "GetId"))
    }

    @Test func servesCallsWhileItsOwnCallIsPending() async throws {
        // The peer answers Ping only after calling back GetAll on our object: a client that blocked
        // on its own call would deadlock here (bluetoothd's RegisterAdvertisement does exactly this).
        let bus = try PrivateBus()
        try startPeer(on: bus, "callback", "test.CallsBack")
        let client = try await DBusConnection.connect(address: bus.address)
        let echo = Echo()
        try client.export(echo, at: "/org/bleagent/advertisement0")
        let reply = try await client.call(DBusMethodCall(destination: "test.CallsBack", path: "/test/peer", interface: "test.CallBack",
                                                         member: "Ping", arguments: [.objectPath("/org/bleagent/advertisement0")]),
                                          timeout: .seconds(10))
        #expect(reply.first?.stringKeyedDictionary?["Type"]?.string == "broadcast")
        #expect(echo.members.filter { $0 == "GetAll" }.count == 1)
    }

    /// Answers after an await (as the daemon does for calls that need its actor), or never.
    final class Slow: DBusExportedObject {
        func handle(_ call: DBusMessage) -> DBusReply {
            if call.member == "Drop" { return .later { _ in } }
            return .later { sink in
                Task {
                    try? await Task.sleep(for: .milliseconds(100))
                    sink.send(.values([.string("late")]))
                    sink.send(.values([.string("twice")]))
                }
            }
        }
    }

    @Test func repliesCanBeDeferred() async throws {
        let bus = try PrivateBus()
        let server = try await DBusConnection.connect(address: bus.address)
        let client = try await DBusConnection.connect(address: bus.address)
        try server.export(Slow(), at: "/test/slow")
        let reply = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/slow", interface: "test.Slow", member: "Work"))
        #expect(reply == [.string("late")])
        // Other calls are served meanwhile.
        async let first = client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/slow", interface: "test.Slow", member: "Work"))
        async let second = client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/slow", interface: "test.Slow", member: "Work"))
        #expect(try await [first, second] == [[.string("late")], [.string("late")]])
        // A deferred reply that is never sent becomes an error, not a hang until the timeout.
        await #expect(throws: DBusError.self) {
            _ = try await client.call(DBusMethodCall(destination: server.uniqueName, path: "/test/slow", interface: "test.Slow", member: "Drop"),
                                      timeout: .seconds(5))
        }
    }

    @Test func signalsReachSubscribersUntilTheyStop() async throws {
        let bus = try PrivateBus()
        let emitter = try await DBusConnection.connect(address: bus.address)
        let listener = try await DBusConnection.connect(address: bus.address)
        let stream = try await listener.signals(matching: DBusMatchRule(interface: "test.Signals", member: "Beep"))
        for index in 0..<5 {
            try emitter.emitSignal(path: "/test/emitter", interface: "test.Signals", member: "Beep", arguments: [.int32(Int32(index))])
            try emitter.emitSignal(path: "/test/emitter", interface: "test.Signals", member: "Other", arguments: [])
        }
        var received: [Int] = []
        for await signal in stream {
            received.append(signal.arguments.first?.integer ?? -1)
            #expect(signal.path == "/test/emitter" && signal.sender == emitter.uniqueName)
            if received.count == 5 { break }
        }
        #expect(received == [0, 1, 2, 3, 4])
    }

    @Test func losingTheBusFailsPendingCallsAndEndsStreams() async throws {
        let bus = try PrivateBus()
        let output = Pipe()
        try bus.spawn("/usr/bin/python3", [Self.peerScript, "holder", "test.Holder"], output: output.fileHandleForWriting)
        try output.fileHandleForWriting.close()   // a peer that dies gives end of file, not a hang
        let lines = PeerLines(output.fileHandleForReading)
        try #require(await lines.next() == "ready", "the peer did not start (python3-dbus and python3-gi are needed)")
        let client = try await DBusConnection.connect(address: bus.address)
        let stream = try await client.signals(matching: DBusMatchRule(interface: "test.Signals"))
        let pending = Task { try await client.call(DBusMethodCall(destination: "test.Holder", path: "/", interface: "test.X", member: "Wait")) }
        // The peer holds the call: it is pending now, not merely about to be sent.
        try #require(await lines.next() == "called", "the call never reached the peer")
        bus.killDaemon()
        do { _ = try await pending.value; Issue.record("call survived the bus") } catch let error as DBusError {
            #expect(error.name == "org.freedesktop.DBus.Error.Disconnected")
        }
        for await _ in stream {}   // ends
        await client.waitUntilClosed()
        #expect(!client.isConnected)
        await #expect(throws: DBusError.self) {
            _ = try await client.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/", interface: "x.Y", member: "Z"))
        }
    }
}
