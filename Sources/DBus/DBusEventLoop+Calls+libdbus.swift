internal import CDBus
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Method calls we make: each one a libdbus pending call whose continuation is resumed exactly once.
extension DBusEventLoop {
    /// A call in flight: its continuation, resumed exactly once (reply, error, timeout, cancel, disconnect).
    final class PendingCall: @unchecked Sendable {
        var continuation: CheckedContinuation<Result<[DBusValue], DBus.DBusError>, Never>?
        var pending: OpaquePointer?
        var cancelled = false

        func finish(_ result: Result<[DBusValue], DBus.DBusError>) {
            continuation?.resume(returning: result)
            continuation = nil
        }
    }

    func call(_ call: DBusMethodCall, timeout: Duration) async throws(DBus.DBusError) -> [DBusValue] {
        let box = PendingCall()
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let result: Result<[DBusValue], DBus.DBusError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                submit { [self] in
                    box.continuation = continuation
                    if box.cancelled { box.finish(.failure(.cancelled())); return }
                    start(call, timeout: milliseconds, box: box)
                }
            }
        } onCancel: {
            submit { [self] in
                box.cancelled = true
                if let pending = box.pending {
                    dbus_pending_call_cancel(pending)
                    dbus_pending_call_unref(pending)
                    box.pending = nil
                    calls[ObjectIdentifier(box)] = nil
                }
                box.finish(.failure(.cancelled()))
            }
        }
        return try result.get()
    }

    private func start(_ call: DBusMethodCall, timeout: Int32, box: PendingCall) {
        guard let connection, isConnected else { box.finish(.failure(.disconnected())); return }
        guard DBusMarshalling.isValidObjectPath(call.path) else {
            box.finish(.failure(DBus.DBusError(name: DBus.DBusError.invalidArgsName, message: "\(call.path) is not a valid object path")))
            return
        }
        guard let message = dbus_message_new_method_call(call.destination, call.path, call.interface, call.member) else {
            box.finish(.failure(.disconnected("out of memory building \(call.member)")))
            return
        }
        defer { dbus_message_unref(message) }
        guard DBusMarshalling.append(call.arguments, to: message) else {
            box.finish(.failure(DBus.DBusError(name: DBus.DBusError.invalidArgsName, message: "arguments of \(call.member) cannot be encoded")))
            return
        }
        var pending: OpaquePointer?
        guard dbus_connection_send_with_reply(connection, message, &pending, timeout) != 0, let pending else {
            box.finish(.failure(.disconnected()))
            return
        }
        box.pending = pending
        calls[ObjectIdentifier(box)] = box
        let context = Unmanaged.passRetained(CallContext(loop: self, box: box)).toOpaque()
        dbus_pending_call_set_notify(pending, { pending, data in
            guard let pending, let data else { return }
            let context = Unmanaged<CallContext>.fromOpaque(data).takeUnretainedValue()
            context.loop.completed(pending, box: context.box)
        }, context, { data in
            guard let data else { return }
            Unmanaged<CallContext>.fromOpaque(data).release()
        })
    }

    private final class CallContext {
        let loop: DBusEventLoop
        let box: PendingCall
        init(loop: DBusEventLoop, box: PendingCall) {
            self.loop = loop
            self.box = box
        }
    }

    private func completed(_ pending: OpaquePointer, box: PendingCall) {
        calls[ObjectIdentifier(box)] = nil
        guard let reply = dbus_pending_call_steal_reply(pending) else {
            box.finish(.failure(.disconnected("no reply")))
            return
        }
        defer { dbus_message_unref(reply) }
        if box.pending != nil {
            dbus_pending_call_unref(pending)
            box.pending = nil
        }
        let arguments = DBusMarshalling.arguments(of: reply)
        if dbus_message_get_type(reply) == CDBUS_MESSAGE_TYPE_ERROR {
            let name = dbus_message_get_error_name(reply).map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed"
            // When the bus goes away libdbus completes every pending call with a NoReply it makes up
            // itself: the cause the caller can act on is the lost connection.
            if name == DBus.DBusError.noReplyName, let connection, dbus_connection_get_is_connected(connection) == 0 {
                box.finish(.failure(.disconnected("the bus went away before the reply")))
                return
            }
            box.finish(.failure(DBus.DBusError(name: name, message: arguments.first?.string ?? "")))
        } else {
            box.finish(.success(arguments))
        }
    }

}
