import CTimex
#if canImport(Glibc)
import Glibc
#endif

/// Whether the system clock is synchronised, as the kernel keeps it: an NTP client (systemd-timesyncd,
/// chrony, ntpd) clears `STA_UNSYNC` once it has disciplined the clock, and any step of the clock by
/// hand (`date -s`, settimeofday) sets it again. This is what `timedatectl` shows as "System clock
/// synchronized". A Raspberry Pi has no real-time clock: until it is synchronised, its clock is
/// wherever the last shutdown (or fake-hwclock) left it.
public enum SystemClockSync: Sendable, Hashable {
    case synchronized
    case unsynchronized
    /// The kernel would not say (a sandbox that filters adjtimex): `reason` says why.
    case unknown(reason: String)

    /// systemd-timesyncd's own mark, made once it has synchronised the clock (removed at boot).
    static let timesyncdMark = "/run/systemd/timesync/synchronized"

    /// Reads the kernel's state (adjtimex with no change requested: no privilege needed). Where a
    /// sandbox refuses the call, systemd-timesyncd's mark is the answer if it is there.
    public static func read() -> SystemClockSync {
        var request = timex()
        request.modes = 0
        let state = adjtimex(&request)
        guard state >= 0 else {
            let reason = "adjtimex: \(String(cString: strerror(errno)))"
            return access(timesyncdMark, F_OK) == 0 ? .synchronized : .unknown(reason: reason)
        }
        return state == CTIMEX_TIME_ERROR || request.status & CTIMEX_STA_UNSYNC != 0 ? .unsynchronized : .synchronized
    }
}
