import AgentTime
import DBus

/// Whether the agent may act on the time now. Expiry destroys records older than 14 days, the
/// day's key is rolled at midnight and every sighting is stamped: on a clock that is wrong (a
/// Raspberry Pi boots with the time of its last shutdown; someone steps the clock by hand) each of
/// these does harm — a clock two days back made every record look "from the future" and shredded
/// it. So with `[agent] require_time_sync` (the default) the agent records, expires and downloads
/// only while the system clock is synchronised, and waits (saying so in `status`) otherwise.
struct TimeGate: Sendable {
    /// `[agent] require_time_sync`: false for a clock kept by other means (an RTC, GPS) or for tests.
    var required = true

    /// nil while the clock is trusted; otherwise why the agent waits, for `status` and the journal.
    /// `read` says whether the clock is synchronised (`TimeGate.systemClock(bus:)`).
    func waitingReason(_ read: @Sendable () async -> SystemClockSync) async -> String? {
        guard required else { return nil }
        switch await read() {
        case .synchronized:
            return nil
        case .unsynchronized:
            return "waiting for the system clock to be synchronised (NTP, e.g. systemd-timesyncd): "
                + "nothing is recorded, expired or downloaded until then"
        case .unknown(let reason):
            return "cannot tell whether the system clock is synchronised (\(reason)): waiting; "
                + "set [agent] require_time_sync = false if this clock is kept by other means"
        }
    }

    /// The system's answer: the kernel's (adjtimex); where the unit's `ProtectClock=` filters that
    /// call, systemd-timesyncd's mark; failing both, systemd-timedated's `NTPSynchronized` on the
    /// system bus (it asks the kernel from outside our sandbox).
    static func systemClock(bus: DBusConnection?) -> @Sendable () async -> SystemClockSync {
        return {
            let kernel = SystemClockSync.read()
            guard case .unknown = kernel, let bus else { return kernel }
            let get = DBusMethodCall(destination: "org.freedesktop.timedate1", path: "/org/freedesktop/timedate1",
                                     interface: "org.freedesktop.DBus.Properties", member: "Get",
                                     arguments: [.string("org.freedesktop.timedate1"), .string("NTPSynchronized")])
            guard let reply = try? await bus.call(get, timeout: .seconds(5)), case .variant(.boolean(let synchronized))? = reply.first else {
                return kernel
            }
            return synchronized ? .synchronized : .unsynchronized
        }
    }
}
