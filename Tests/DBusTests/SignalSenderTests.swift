@testable import DBus
import Foundation
import Synchronization
import Testing
import TestSupport

/// A signal reaches a subscription only from the sender its rule names. The bus applies a rule's
/// sender to broadcasts only: any peer may address a signal to us directly, with any header but
/// its own sender (which the bus stamps). These tests play that peer against a real dbus-daemon.
@Suite(.enabled(if: PrivateBus.available, "needs /usr/bin/dbus-daemon (Debian package dbus)"))
struct SignalSenderTests {
    /// Everything a subscription received, by first argument.
    final class Received: Sendable {
        let values = Mutex<[String]>([])
        func add(_ value: String) { values.withLock { $0.append(value) } }
        var all: [String] { values.withLock { $0 } }
    }

    func own(_ name: String, on connection: DBusConnection) async throws {
        let reply = try await connection.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                             interface: "org.freedesktop.DBus", member: "RequestName",
                                                             arguments: [.string(name), .uint32(4)]))
        try #require(reply.first?.integer == 1, "could not own \(name)")
    }

    func collect(_ stream: AsyncStream<DBusMessage>, into received: Received) -> Task<Void, Never> {
        Task { for await message in stream { received.add(message.arguments.first?.string ?? "?") } }
    }

    /// What `listener` receives of test.Iface.Ping from `sender` (the collecting task ends with the test).
    func pings(to listener: DBusConnection, from sender: String) async throws -> (Received, Task<Void, Never>) {
        let received = Received()
        let stream = try await listener.signals(matching: DBusMatchRule(sender: sender, interface: "test.Iface", member: "Ping"))
        return (received, collect(stream, into: received))
    }

    func ping(_ from: DBusConnection, _ value: String, to destination: String? = nil) throws {
        try from.emitSignal(path: "/test", interface: "test.Iface", member: "Ping", arguments: [.string(value)], destination: destination)
    }

    @Test func signalsAddressedToUsByAnotherPeerAreDropped() async throws {
        let bus = try PrivateBus()
        let owner = try await DBusConnection.connect(address: bus.address)
        let attacker = try await DBusConnection.connect(address: bus.address)
        let listener = try await DBusConnection.connect(address: bus.address)
        try await own("test.Owner", on: owner)
        let (received, pings) = try await pings(to: listener, from: "test.Owner")
        let owners = Received()
        let changes = collect(try await listener.signals(matching: DBusMatchRule(sender: "org.freedesktop.DBus", interface: "org.freedesktop.DBus",
                                                                                member: "NameOwnerChanged")), into: owners)
        defer { pings.cancel(); changes.cancel() }
        // The attacker addresses forged pings to the listener, then claims the name in a forged
        // NameOwnerChanged, and pings again.
        for index in 0..<50 { try ping(attacker, "forged \(index)", to: listener.uniqueName) }
        try attacker.emitSignal(path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "NameOwnerChanged",
                                arguments: [.string("test.Owner"), .string(owner.uniqueName), .string(attacker.uniqueName)],
                                destination: listener.uniqueName)
        for index in 0..<50 { try ping(attacker, "forged after \(index)", to: listener.uniqueName) }
        try ping(owner, "real")
        #expect(await eventually { received.all.contains("real") })
        try await Task.sleep(for: .milliseconds(300))
        print("forged signals delivered: \(received.all.filter { $0.hasPrefix("forged") }.count) of 100; forged NameOwnerChanged delivered: \(owners.all.count)")
        #expect(received.all == ["real"])
        #expect(owners.all.isEmpty)
    }

    @Test func aNewOwnerIsFollowedAndTheOldOneIsNoLongerBelieved() async throws {
        let bus = try PrivateBus()
        let first = try await DBusConnection.connect(address: bus.address)
        let listener = try await DBusConnection.connect(address: bus.address)
        try await own("test.Owner", on: first)
        let (received, pings) = try await pings(to: listener, from: "test.Owner")
        defer { pings.cancel() }
        try ping(first, "first")
        #expect(await eventually { received.all == ["first"] })
        // The first owner leaves the name (it stays connected); a second takes it.
        _ = try await first.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                                                member: "ReleaseName", arguments: [.string("test.Owner")]))
        let second = try await DBusConnection.connect(address: bus.address)
        try await own("test.Owner", on: second)
        try ping(first, "stale", to: listener.uniqueName)
        try ping(second, "second")
        #expect(await eventually { received.all.contains("second") })
        try await Task.sleep(for: .milliseconds(300))
        #expect(received.all == ["first", "second"])
    }

    @Test func aNameWithoutAnOwnerLetsNothingThrough() async throws {
        let bus = try PrivateBus()
        let attacker = try await DBusConnection.connect(address: bus.address)
        let listener = try await DBusConnection.connect(address: bus.address)
        let (received, pings) = try await pings(to: listener, from: "test.Nobody")
        defer { pings.cancel() }
        try ping(attacker, "forged", to: listener.uniqueName)
        // A later subscription without a sender sees the attacker's signal: it did arrive.
        let open = Received()
        let all = collect(try await listener.signals(matching: DBusMatchRule(interface: "test.Iface", member: "Ping")), into: open)
        defer { all.cancel() }
        try ping(attacker, "forged again", to: listener.uniqueName)
        #expect(await eventually { open.all.contains("forged again") })
        try await Task.sleep(for: .milliseconds(200))
        #expect(received.all.isEmpty)
    }
}
