import Foundation
import Synchronization

/// A private connection to a D-Bus bus, driven by one thread of its own.
///
/// That thread owns the libdbus connection and keeps dispatching, like `gdbus/mainloop.c`: it polls
/// the connection's sockets (libdbus watches), fires libdbus timeouts, runs the jobs other threads
/// hand it, and answers calls to exported objects — also while our own calls are pending, which
/// bluetoothd relies on (RegisterAdvertisement and RegisterMonitor call back before replying).
/// Replies resolve continuations keyed by serial, each with a timeout and cancellation. Nothing here
/// blocks Swift's cooperative pool.
public final class DBusConnection: Sendable {
    let loop: DBusEventLoop

    private init(loop: DBusEventLoop) { self.loop = loop }

    /// The system bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
    public static func system(environment: [String: String] = ProcessInfo.processInfo.environment) async throws(DBusError) -> DBusConnection {
        try await connect(address: environment["DBUS_SYSTEM_BUS_ADDRESS"] ?? "unix:path=/run/dbus/system_bus_socket")
    }

    /// A bus at `address` (e.g. a private `dbus-daemon` in tests). The connection registers with the
    /// bus (Hello) on its own thread before this returns.
    public static func connect(address: String) async throws(DBusError) -> DBusConnection {
        DBusConnection(loop: try await DBusEventLoop.start(address: address))
    }

    /// The unique name the bus gave us (":1.42").
    public var uniqueName: String { loop.uniqueName }

    /// Whether the connection is still up.
    public var isConnected: Bool { loop.isConnected }

    /// Calls a method and waits for its reply. Throws the peer's error, `NoReply` after `timeout`,
    /// `cancelled` if the task is cancelled, `disconnected` if the bus goes away.
    public func call(_ call: DBusMethodCall, timeout: Duration = .seconds(25)) async throws(DBusError) -> [DBusValue] {
        try await loop.call(call, timeout: timeout)
    }

    /// Signals matching `rule`, from now until the stream is dropped or the connection closes.
    /// The match is registered with the bus before this returns. A rule's sender is enforced for
    /// every signal, also those another peer addresses to us directly (which the bus delivers
    /// whatever our rules say): the bus itself and unique names are compared as they are, a
    /// well-known name against its current owner as the bus reports it.
    public func signals(matching rule: DBusMatchRule) async throws(DBusError) -> AsyncStream<DBusMessage> {
        try await loop.subscribe(rule)
    }

    /// Serves `object` at `path` until `unexport` (replacing any object there).
    public func export(_ object: any DBusExportedObject, at path: String) throws(DBusError) {
        guard DBusMarshalling.isValidObjectPath(path) else {
            throw DBusError(name: DBusError.invalidArgsName, message: "\(path) is not a valid object path")
        }
        loop.export(object, at: path)
    }

    public func unexport(path: String) { loop.unexport(path: path) }

    /// Sends a signal from one of our objects: broadcast, or to one peer (`destination`).
    public func emitSignal(path: String, interface: String, member: String, arguments: [DBusValue],
                           destination: String? = nil) throws(DBusError) {
        try loop.emitSignal(path: path, interface: interface, member: member, arguments: arguments, destination: destination)
    }

    /// Closes the connection: pending calls fail with `disconnected`, signal streams finish.
    public func close() { loop.close() }

    /// Finishes when the connection is closed or lost (the bus daemon went away), or when the
    /// waiting task is cancelled.
    public func waitUntilClosed() async { await loop.waitUntilClosed() }

    deinit { loop.close() }
}
