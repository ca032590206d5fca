internal import CBlueZ
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The thread that owns a libdbus connection. Back-end file: the only place holding `DBusConnection*`.
///
/// Other threads never touch libdbus: they queue a job and wake the loop through an eventfd. The
/// loop polls the eventfd and libdbus's watches, fires libdbus's timeouts (which is how call
/// timeouts happen), dispatches incoming messages (replies first, then our filter: method calls to
/// exported objects, signals to subscribers) and runs the queued jobs. State marked "loop thread"
/// is only ever touched there, which is why the type can be `@unchecked Sendable`.
final class DBusEventLoop: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    /// Set during start-up, read-only afterwards.
    private(set) var uniqueName = ""
    private let wakeDescriptor: Int32
    /// Queued jobs; `terminated` once the loop has ended (jobs then run on the submitting thread,
    /// where they find no connection and fail their callers at once instead of waiting forever).
    private let jobs = Mutex<(queue: [Job], terminated: Bool)>(([], false))
    private let connected = Atomic<Bool>(false)
    private let closeState = Mutex<(closed: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let nextSubscription = Atomic<UInt64>(1)

    // Loop thread only.
    private var connection: OpaquePointer?
    private var watches: [OpaquePointer] = []
    private var timeouts: [OpaquePointer: UInt64] = [:]
    private var calls: [ObjectIdentifier: PendingCall] = [:]
    private var objects: [String: any DBusExportedObject] = [:]
    private var subscriptions: [UInt64: (rule: DBusMatchRule, continuation: AsyncStream<DBusMessage>.Continuation)] = [:]
    fileprivate var running = true

    private init() {
        wakeDescriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
    }

    var isConnected: Bool { connected.load(ordering: .acquiring) }

    // MARK: - Start-up

    static func start(address: String) async throws(BlueZ.DBusError) -> DBusEventLoop {
        let loop = DBusEventLoop()
        guard loop.wakeDescriptor >= 0 else { throw .disconnected("cannot create an eventfd: \(String(cString: strerror(errno)))") }
        let result: Result<Void, BlueZ.DBusError> = await withCheckedContinuation { continuation in
            let thread = Thread { loop.run(address: address, started: continuation) }
            thread.name = "bleagent-dbus"
            thread.start()
        }
        try result.get()
        return loop
    }

    private func run(address: String, started: CheckedContinuation<Result<Void, BlueZ.DBusError>, Never>) {
        dbus_threads_init_default()
        var error = CBlueZ.DBusError()
        dbus_error_init(&error)
        guard let connection = dbus_connection_open_private(address, &error) else {
            started.resume(returning: .failure(Self.take(&error, fallback: "cannot connect to \(address)")))
            Glibc.close(wakeDescriptor)
            return
        }
        dbus_connection_set_exit_on_disconnect(connection, 0)
        guard dbus_bus_register(connection, &error) != 0 else {
            started.resume(returning: .failure(Self.take(&error, fallback: "cannot register with the bus at \(address)")))
            dbus_connection_close(connection)
            dbus_connection_unref(connection)
            Glibc.close(wakeDescriptor)
            return
        }
        self.connection = connection
        uniqueName = dbus_bus_get_unique_name(connection).map { String(cString: $0) } ?? ""
        let me = Unmanaged.passUnretained(self).toOpaque()
        dbus_connection_set_watch_functions(connection, { watch, data in
            guard let watch, let data else { return 0 }
            Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue().watches.append(watch)
            return 1
        }, { watch, data in
            guard let watch, let data else { return }
            Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue().watches.removeAll { $0 == watch }
        }, nil, me, nil)
        dbus_connection_set_timeout_functions(connection, { timeout, data in
            guard let timeout, let data else { return 0 }
            let loop = Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue()
            loop.timeouts[timeout] = DBusEventLoop.now() + UInt64(max(0, dbus_timeout_get_interval(timeout))) * 1_000_000
            return 1
        }, { timeout, data in
            guard let timeout, let data else { return }
            Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue().timeouts[timeout] = nil
        }, { timeout, data in
            guard let timeout, let data else { return }
            let loop = Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue()
            loop.timeouts[timeout] = DBusEventLoop.now() + UInt64(max(0, dbus_timeout_get_interval(timeout))) * 1_000_000
        }, me, nil)
        dbus_connection_add_filter(connection, { _, message, data in
            guard let message, let data else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
            return Unmanaged<DBusEventLoop>.fromOpaque(data).takeUnretainedValue().filter(message)
        }, me, nil)
        connected.store(true, ordering: .releasing)
        started.resume(returning: .success(()))
        loop()
    }

    // MARK: - The loop

    private func loop() {
        while running {
            runJobs()
            // A job may have closed the connection: read it afresh after every job run.
            guard running, let connection else { break }
            while dbus_connection_get_dispatch_status(connection) == DBUS_DISPATCH_DATA_REMAINS {
                dbus_connection_dispatch(connection)
                guard running else { break }
            }
            runJobs()
            guard running, let connection = self.connection else { break }
            let active = watches.filter { dbus_watch_get_enabled($0) != 0 }
            var descriptors = [pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            for watch in active {
                let flags = dbus_watch_get_flags(watch)
                var events: Int16 = 0
                if flags & UInt32(DBUS_WATCH_READABLE.rawValue) != 0 { events |= Int16(POLLIN) }
                if flags & UInt32(DBUS_WATCH_WRITABLE.rawValue) != 0 { events |= Int16(POLLOUT) }
                descriptors.append(pollfd(fd: dbus_watch_get_unix_fd(watch), events: events, revents: 0))
            }
            let now = Self.now()
            let nextTimeout = timeouts.filter { dbus_timeout_get_enabled($0.key) != 0 }.values.min()
            let wait: Int32 = nextTimeout.map { $0 <= now ? 0 : Int32(min(($0 - now) / 1_000_000 + 1, 60_000)) } ?? 60_000
            let ready = poll(&descriptors, nfds_t(descriptors.count), wait)
            if ready > 0 {
                if descriptors[0].revents != 0 {
                    var counter: UInt64 = 0
                    _ = read(wakeDescriptor, &counter, 8)
                }
                for (index, watch) in active.enumerated() where descriptors[index + 1].revents != 0 {
                    let revents = Int32(descriptors[index + 1].revents)
                    var flags: UInt32 = 0
                    if revents & Int32(POLLIN) != 0 { flags |= UInt32(DBUS_WATCH_READABLE.rawValue) }
                    if revents & Int32(POLLOUT) != 0 { flags |= UInt32(DBUS_WATCH_WRITABLE.rawValue) }
                    if revents & Int32(POLLERR) != 0 { flags |= UInt32(DBUS_WATCH_ERROR.rawValue) }
                    if revents & Int32(POLLHUP) != 0 { flags |= UInt32(DBUS_WATCH_HANGUP.rawValue) }
                    // The watch may have been removed by an earlier handler in this round.
                    if watches.contains(watch) { dbus_watch_handle(watch, flags) }
                }
            }
            let fired = Self.now()
            for (timeout, deadline) in timeouts where deadline <= fired && dbus_timeout_get_enabled(timeout) != 0 {
                timeouts[timeout] = fired + UInt64(max(1, dbus_timeout_get_interval(timeout))) * 1_000_000
                dbus_timeout_handle(timeout)
            }
            if dbus_connection_get_is_connected(connection) == 0 { shutDown() }
        }
        shutDown()
    }

    private func runJobs() {
        let pendingJobs = jobs.withLock { state -> [Job] in
            defer { state.queue.removeAll() }
            return state.queue
        }
        for job in pendingJobs { job() }
    }

    /// Runs `job` on the loop thread (or at once, if the loop has ended).
    func submit(_ job: @escaping Job) {
        let queued = jobs.withLock { state -> Bool in
            guard !state.terminated else { return false }
            state.queue.append(job)
            return true
        }
        guard queued else { job(); return }
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    private static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    private static func take(_ error: inout CBlueZ.DBusError, fallback: String) -> BlueZ.DBusError {
        defer { dbus_error_free(&error) }
        guard dbus_error_is_set(&error) != 0 else { return .disconnected(fallback) }
        return BlueZ.DBusError(name: error.name.map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed",
                               message: error.message.map { String(cString: $0) } ?? fallback)
    }

    // MARK: - Calls

    /// A call in flight: its continuation, resumed exactly once (reply, error, timeout, cancel, disconnect).
    final class PendingCall: @unchecked Sendable {
        var continuation: CheckedContinuation<Result<[DBusValue], BlueZ.DBusError>, Never>?
        var pending: OpaquePointer?
        var cancelled = false

        func finish(_ result: Result<[DBusValue], BlueZ.DBusError>) {
            continuation?.resume(returning: result)
            continuation = nil
        }
    }

    func call(_ call: DBusMethodCall, timeout: Duration) async throws(BlueZ.DBusError) -> [DBusValue] {
        let box = PendingCall()
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let result: Result<[DBusValue], BlueZ.DBusError> = await withTaskCancellationHandler {
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
            box.finish(.failure(BlueZ.DBusError(name: BlueZ.DBusError.invalidArgsName, message: "\(call.path) is not a valid object path")))
            return
        }
        guard let message = dbus_message_new_method_call(call.destination, call.path, call.interface, call.member) else {
            box.finish(.failure(.disconnected("out of memory building \(call.member)")))
            return
        }
        defer { dbus_message_unref(message) }
        guard DBusMarshalling.append(call.arguments, to: message) else {
            box.finish(.failure(BlueZ.DBusError(name: BlueZ.DBusError.invalidArgsName, message: "arguments of \(call.member) cannot be encoded")))
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
        if dbus_message_get_type(reply) == CBLUEZ_MESSAGE_TYPE_ERROR {
            let name = dbus_message_get_error_name(reply).map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed"
            // When the bus goes away libdbus completes every pending call with a NoReply it makes up
            // itself: the cause the caller can act on is the lost connection.
            if name == BlueZ.DBusError.noReplyName, let connection, dbus_connection_get_is_connected(connection) == 0 {
                box.finish(.failure(.disconnected("the bus went away before the reply")))
                return
            }
            box.finish(.failure(BlueZ.DBusError(name: name, message: arguments.first?.string ?? "")))
        } else {
            box.finish(.success(arguments))
        }
    }

    // MARK: - Incoming messages

    private func filter(_ message: OpaquePointer) -> DBusHandlerResult {
        let type = dbus_message_get_type(message)
        if type == CBLUEZ_MESSAGE_TYPE_SIGNAL {
            let decoded = Self.decode(message, kind: .signal)
            if decoded.interface == "org.freedesktop.DBus.Local" && decoded.member == "Disconnected" {
                shutDown()
                return DBUS_HANDLER_RESULT_HANDLED
            }
            for subscription in subscriptions.values where subscription.rule.matches(decoded) {
                subscription.continuation.yield(decoded)
            }
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
        guard type == CBLUEZ_MESSAGE_TYPE_METHOD_CALL, let pathPointer = dbus_message_get_path(message) else {
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
    fileprivate func send(_ answer: DBusReply, to message: OpaquePointer) {
        guard dbus_message_get_no_reply(message) == 0, let connection else { return }
        let reply: OpaquePointer?
        switch answer {
        case .values(let values):
            reply = dbus_message_new_method_return(message)
            if let reply, !DBusMarshalling.append(values, to: reply) {
                dbus_message_unref(reply)
                sendError(to: message, BlueZ.DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "reply cannot be encoded"))
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
                    if loop.running { loop.sendError(to: held.pointer, BlueZ.DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "no reply was produced")) }
                    dbus_message_unref(held.pointer)
                }
            }
        }
    }

    private func sendError(to message: OpaquePointer, _ error: BlueZ.DBusError) {
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

    func subscribe(_ rule: DBusMatchRule) async throws(BlueZ.DBusError) -> AsyncStream<DBusMessage> {
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

    func emitSignal(path: String, interface: String, member: String, arguments: [DBusValue]) throws(BlueZ.DBusError) {
        guard DBusMarshalling.isValidObjectPath(path) else {
            throw BlueZ.DBusError(name: BlueZ.DBusError.invalidArgsName, message: "\(path) is not a valid object path")
        }
        submit { [self] in
            guard let connection, let message = dbus_message_new_signal(path, interface, member) else { return }
            defer { dbus_message_unref(message) }
            if DBusMarshalling.append(arguments, to: message) { dbus_connection_send(connection, message, nil) }
        }
    }

    // MARK: - Closing

    func close() {
        submit { [self] in shutDown() }
    }

    func waitUntilClosed() async {
        await withCheckedContinuation { continuation in
            let alreadyClosed = closeState.withLock { state -> Bool in
                if state.closed { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyClosed { continuation.resume() }
        }
    }

    /// On the loop thread: fail what is pending, finish streams, close the connection, stop.
    private func shutDown() {
        guard running else { return }
        running = false
        connected.store(false, ordering: .releasing)
        for box in calls.values {
            if let pending = box.pending {
                dbus_pending_call_cancel(pending)
                dbus_pending_call_unref(pending)
                box.pending = nil
            }
            box.finish(.failure(.disconnected()))
        }
        calls = [:]
        for subscription in subscriptions.values { subscription.continuation.finish() }
        subscriptions = [:]
        objects = [:]
        if let connection {
            dbus_connection_close(connection)
            dbus_connection_unref(connection)
        }
        connection = nil
        watches = []
        timeouts = [:]
        // Jobs queued until now run here; later ones run on their submitters' threads.
        runJobs()
        let late = jobs.withLock { state -> [Job] in
            state.terminated = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for job in late { job() }
        let waiters = closeState.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    deinit { Glibc.close(wakeDescriptor) }
}
