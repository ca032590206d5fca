import Foundation

/// Starting a child process from Swift concurrency: the cooperative pool's threads block signals,
/// and a child inherits its parent thread's mask — a hook or a VM started that way could not be
/// stopped with SIGTERM. Clears the mask for the spawn and restores it.
public enum ChildProcess {
    public static func start(_ process: Process) throws {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }
}

extension ChildProcess {
    /// Runs `arguments` (found on $PATH) and returns its standard output, or nil when it cannot run
    /// or exits non-zero. For short informational commands only (the output is read whole).
    public static func output(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try start(process)
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
