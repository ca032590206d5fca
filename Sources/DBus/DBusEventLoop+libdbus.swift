internal import CDBus
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
    /// Whether the connection has closed, and who waits for it (by id, so a cancelled wait leaves).
    private let closeState = Mutex<(closed: Bool, waiters: [UInt64: CheckedContinuation<Void, Never>], next: UInt64)>((false, [:], 0))
    let nextSubscription = Atomic<UInt64>(1)

    // Loop thread only: every access goes through an accessor that asserts so in debug builds.
    private var loopOnly = LoopOnly()
    private let loopThread = Atomic<UInt>(0)

    struct LoopOnly {
        var connection: OpaquePointer?
        var watches: [OpaquePointer] = []
        var timeouts: [OpaquePointer: UInt64] = [:]
        var calls: [ObjectIdentifier: PendingCall] = [:]
        var objects: [String: any DBusExportedObject] = [:]
        var subscriptions: [UInt64: (rule: DBusMatchRule, continuation: AsyncStream<DBusMessage>.Continuation)] = [:]
        var running = true
        var names = NameOwners()
    }

    /// Well-known names a subscription's sender names, their current unique owners, and how many
    /// times the bus has said each changed (see `+Owners`).
    struct NameOwners {
        var watched: Set<String> = []
        var owners: [String: String] = [:]
        var changes: [String: UInt64] = [:]
    }

    var connection: OpaquePointer? {
        get { assertOnLoopThread(); return loopOnly.connection }
        set { assertOnLoopThread(); loopOnly.connection = newValue }
    }
    var watches: [OpaquePointer] {
        _read { assertOnLoopThread(); yield loopOnly.watches }
        _modify { assertOnLoopThread(); yield &loopOnly.watches }
    }
    var timeouts: [OpaquePointer: UInt64] {
        _read { assertOnLoopThread(); yield loopOnly.timeouts }
        _modify { assertOnLoopThread(); yield &loopOnly.timeouts }
    }
    var calls: [ObjectIdentifier: PendingCall] {
        _read { assertOnLoopThread(); yield loopOnly.calls }
        _modify { assertOnLoopThread(); yield &loopOnly.calls }
    }
    var objects: [String: any DBusExportedObject] {
        _read { assertOnLoopThread(); yield loopOnly.objects }
        _modify { assertOnLoopThread(); yield &loopOnly.objects }
    }
    var subscriptions: [UInt64: (rule: DBusMatchRule, continuation: AsyncStream<DBusMessage>.Continuation)] {
        _read { assertOnLoopThread(); yield loopOnly.subscriptions }
        _modify { assertOnLoopThread(); yield &loopOnly.subscriptions }
    }
    var running: Bool {
        get { assertOnLoopThread(); return loopOnly.running }
        set { assertOnLoopThread(); loopOnly.running = newValue }
    }
    var names: NameOwners {
        _read { assertOnLoopThread(); yield loopOnly.names }
        _modify { assertOnLoopThread(); yield &loopOnly.names }
    }

    /// Debug builds stop here when loop-only state is touched from another thread while the loop
    /// runs. (Once it has ended, jobs run on their submitters' threads and find no connection.)
    func assertOnLoopThread(file: StaticString = #file, line: UInt = #line) {
        assert(loopThread.load(ordering: .acquiring) == UInt(pthread_self()) || jobs.withLock { $0.terminated },
               "D-Bus loop state touched off the loop thread", file: file, line: line)
    }

    private init() {
        wakeDescriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
    }

    var isConnected: Bool { connected.load(ordering: .acquiring) }

    // MARK: - Start-up

    static func start(address: String) async throws(DBus.DBusError) -> DBusEventLoop {
        let loop = DBusEventLoop()
        guard loop.wakeDescriptor >= 0 else { throw .disconnected("cannot create an eventfd: \(String(cString: strerror(errno)))") }
        let result: Result<Void, DBus.DBusError> = await withCheckedContinuation { continuation in
            let thread = Thread { loop.run(address: address, started: continuation) }
            thread.name = "bleagent-dbus"
            thread.start()
        }
        try result.get()
        return loop
    }

    private func run(address: String, started: CheckedContinuation<Result<Void, DBus.DBusError>, Never>) {
        loopThread.store(UInt(pthread_self()), ordering: .releasing)
        dbus_threads_init_default()
        var error = CDBus.DBusError()
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

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    private static func take(_ error: inout CDBus.DBusError, fallback: String) -> DBus.DBusError {
        defer { dbus_error_free(&error) }
        guard dbus_error_is_set(&error) != 0 else { return .disconnected(fallback) }
        return DBus.DBusError(name: error.name.map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed",
                               message: error.message.map { String(cString: $0) } ?? fallback)
    }

    // MARK: - Closing

    func close() {
        submit { [self] in shutDown() }
    }

    /// Returns once the connection is closed, or at once when the waiting task is cancelled.
    func waitUntilClosed() async {
        let id = closeState.withLock { state in
            defer { state.next &+= 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = closeState.withLock { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            closeState.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// On the loop thread: fail what is pending, finish streams, close the connection, stop.
    func shutDown() {
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
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    deinit { Glibc.close(wakeDescriptor) }
}
