import Foundation

/// A command an operator configured to hear about an event (the agent's contact-day hook, the
/// server's processing-number delivery): run with `/bin/sh -c`, the event in its environment, no
/// standard input, and a time limit. One that outlives the limit is sent SIGTERM, then SIGKILL a few
/// seconds later if it still runs — it never lingers.
public struct HookCommand: Sendable {
    public enum Outcome: Equatable, Sendable {
        case succeeded
        /// Exited with this non-zero status (or was killed by a signal).
        case failed(Int32)
        case couldNotStart(String)
        /// Outlived the limit and was stopped.
        case timedOut
    }

    public let command: String
    public let timeout: Duration
    /// How long a command that was sent SIGTERM gets before SIGKILL.
    public let grace: Duration

    public init(_ command: String, timeout: Duration = .seconds(30), grace: Duration = .seconds(3)) {
        self.command = command
        self.timeout = timeout
        self.grace = grace
    }

    /// Runs the command with `environment` added to this process's, and waits for it.
    public func run(environment: [String: String]) async -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        do {
            try ChildProcess.start(process)
        } catch {
            return .couldNotStart("\(error)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        guard process.isRunning else {
            return process.terminationStatus == 0 && process.terminationReason == .exit ? .succeeded : .failed(process.terminationStatus)
        }
        process.terminate()
        let killAt = clock.now + grace
        while process.isRunning && clock.now < killAt { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return .timedOut
    }
}
