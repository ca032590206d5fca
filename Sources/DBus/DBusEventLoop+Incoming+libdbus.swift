internal import CDBus
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What arrives on the connection: method calls to our exported objects (answered now or later),
/// signals for subscribers; and the signals we send.
extension DBusEventLoop {
    func filter(_ message: OpaquePointer) -> DBusHandlerResult {
        let type = dbus_message_get_type(message)
        if type == CDBUS_MESSAGE_TYPE_SIGNAL {
            let decoded = Self.decode(message, kind: .signal)
            if decoded.interface == "org.freedesktop.DBus.Local" && decoded.member == "Disconnected" {
                shutDown()
                return DBUS_HANDLER_RESULT_HANDLED
            }
            noteOwnerChange(decoded)
            for subscription in subscriptions.values
            where subscription.rule.matches(decoded) && senderMatches(subscription.rule.sender, decoded.sender) {
                subscription.continuation.yield(decoded)
            }
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
        guard type == CDBUS_MESSAGE_TYPE_METHOD_CALL, let pathPointer = dbus_message_get_path(message) else {
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
        guard let object = objects[String(cString: pathPointer)] else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
        let call = Self.decode(message, kind: .methodCall)
        let answer = object.handle(call)
        if case .later(let start) = answer {
            dbus_message_ref(message)
            start(DeferredReply(loop: self, message: message))
            return DBUS_HANDLER_RESULT_HANDLED
        }
        send(answer, to: message)
        return DBUS_HANDLER_RESULT_HANDLED
    }

    /// Sends `answer` to the method call `message` (on the loop thread).
    func send(_ answer: DBusReply, to message: OpaquePointer) {
        guard dbus_message_get_no_reply(message) == 0, let connection else { return }
        let reply: OpaquePointer?
        switch answer {
        case .values(let values):
            reply = dbus_message_new_method_return(message)
            if let reply, !DBusMarshalling.append(values, to: reply) {
                dbus_message_unref(reply)
                sendError(to: message, DBus.DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "reply cannot be encoded"))
                return
            }
        case .error(let error):
            reply = dbus_message_new_error(message, error.name, error.message)
        case .later:
            reply = dbus_message_new_error(message, "org.freedesktop.DBus.Error.Failed", "a deferred reply cannot defer again")
        }
        if let reply {
            dbus_connection_send(connection, reply, nil)
            dbus_message_unref(reply)
        }
    }

    /// A libdbus message reference handed to the loop thread (only ever touched there).
    private struct HeldMessage: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// A method call waiting for its reply; holds a reference to the call message until it is answered.
    private final class DeferredReply: DBusReplySink, @unchecked Sendable {
        let loop: DBusEventLoop
        let message: OpaquePointer
        private let sent = Atomic<Bool>(false)

        init(loop: DBusEventLoop, message: OpaquePointer) {
            self.loop = loop
            self.message = message
        }

        func send(_ reply: DBusReply) {
            guard !sent.exchange(true, ordering: .acquiringAndReleasing) else { return }
            let held = HeldMessage(pointer: message)
            loop.submit { [loop] in
                if loop.running { loop.send(reply, to: held.pointer) }
                dbus_message_unref(held.pointer)
            }
        }

        deinit {
            // Never answered: answer with an error rather than leave the caller waiting for its timeout.
            if !sent.load(ordering: .acquiring) {
                let held = HeldMessage(pointer: message)
                loop.submit { [loop] in
                    if loop.running { loop.sendError(to: held.pointer, DBus.DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "no reply was produced")) }
                    dbus_message_unref(held.pointer)
                }
            }
        }
    }

    func sendError(to message: OpaquePointer, _ error: DBus.DBusError) {
        guard let connection, let reply = dbus_message_new_error(message, error.name, error.message) else { return }
        dbus_connection_send(connection, reply, nil)
        dbus_message_unref(reply)
    }

    private static func decode(_ message: OpaquePointer, kind: DBusMessage.Kind) -> DBusMessage {
        func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        return DBusMessage(kind: kind, path: string(dbus_message_get_path(message)), interface: string(dbus_message_get_interface(message)),
                           member: string(dbus_message_get_member(message)), sender: string(dbus_message_get_sender(message)),
                           destination: string(dbus_message_get_destination(message)), errorName: string(dbus_message_get_error_name(message)),
                           serial: dbus_message_get_serial(message), arguments: DBusMarshalling.arguments(of: message))
    }

    // MARK: - Subscriptions, exports, signals

    func subscribe(_ rule: DBusMatchRule) async throws(DBus.DBusError) -> AsyncStream<DBusMessage> {
        let id = nextSubscription.add(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<DBusMessage>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        continuation.onTermination = { [weak self] _ in
            self?.submit { [weak self] in
                guard let self, self.subscriptions.removeValue(forKey: id) != nil, let connection = self.connection,
                      self.isConnected else { return }
                if !self.subscriptions.values.contains(where: { $0.rule == rule }) {
                    dbus_bus_remove_match(connection, rule.rule, nil)
                }
            }
        }
        // A rule's sender is a promise only for broadcasts: the owner of a well-known name is followed
        // so that the sender of every signal can be checked here (`senderMatches`).
        if let sender = rule.sender, Self.isWellKnown(sender) { try await watchOwner(of: sender) }
        // AddMatch through the bus so the reply confirms the rule is in place before we return.
        _ = try await call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                          interface: "org.freedesktop.DBus", member: "AddMatch", arguments: [.string(rule.rule)]),
                           timeout: .seconds(25))
        submit { [self] in
            if running && isConnected { subscriptions[id] = (rule, continuation) } else { continuation.finish() }
        }
        return stream
    }

    func export(_ object: any DBusExportedObject, at path: String) {
        submit { [self] in if running { objects[path] = object } }
    }

    func unexport(path: String) {
        submit { [self] in if running { objects[path] = nil } }
    }

    func emitSignal(path: String, interface: String, member: String, arguments: [DBusValue], destination: String?) throws(DBus.DBusError) {
        guard DBusMarshalling.isValidObjectPath(path) else {
            throw DBus.DBusError(name: DBus.DBusError.invalidArgsName, message: "\(path) is not a valid object path")
        }
        submit { [self] in
            guard let connection, let message = dbus_message_new_signal(path, interface, member) else { return }
            defer { dbus_message_unref(message) }
            if let destination { dbus_message_set_destination(message, destination) }
            if DBusMarshalling.append(arguments, to: message) { dbus_connection_send(connection, message, nil) }
        }
    }

}
