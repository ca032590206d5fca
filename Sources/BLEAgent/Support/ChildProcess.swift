import Foundation

/// Starting a child process from Swift concurrency: the cooperative pool's threads block signals,
/// and a child inherits its parent thread's mask — a hook or a VM started that way could not be
/// stopped with SIGTERM. Clears the mask for the spawn and restores it.
enum ChildProcess {
    static func start(_ process: Process) throws {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }
}
