#if canImport(Glibc)
import Glibc
#endif

/// The process's limit on open files. systemd (and most shells) start a service with a soft limit
/// of 1,024 for the sake of programs that still use select(); a server on epoll that holds one
/// descriptor per connection should raise it to what it needs, up to the hard limit (`LimitNOFILE=`).
/// Left at 1,024, 1,100 idle connections made the server refuse every new one, /healthz included.
public enum FileDescriptorLimit {
    /// Raises the soft limit to `wanted` (or to the hard limit, if lower) and returns the soft limit in force.
    @discardableResult
    public static func raise(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        let target = min(rlim_t(max(wanted, 0)), limit.rlim_max)
        if target > limit.rlim_cur {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
