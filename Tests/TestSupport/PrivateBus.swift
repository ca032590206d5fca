import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private `dbus-daemon` for one test (a real bus daemon, not a mock), and helper processes on it.
public final class PrivateBus: @unchecked Sendable {
    public let directory: String
    public let address: String
    private let daemon: Process
    private var helpers: [Process] = []
    /// Output pipes of helpers started with `spawnReady`, kept open for as long as the bus lives.
    private var readyPipes: [Pipe] = []

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon") }

    public init() throws {
        directory = NSTemporaryDirectory() + "bleagent-bus-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let socket = directory + "/bus"
        try Self.configuration(socket: socket).write(toFile: directory + "/bus.conf", atomically: true, encoding: .utf8)
        daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        daemon.arguments = ["--config-file=\(directory)/bus.conf", "--nofork", "--nopidfile"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        address = "unix:path=\(socket)"
        // Until dbus-daemon accepts connections: the socket file appears at bind(), before listen(),
        // and a client connecting in between is refused (a RadioAgentTests failure in a CI run).
        for _ in 0..<500 where !Self.accepts(socket) { usleep(10_000) }
    }

    /// Whether a Unix socket at `path` accepts a connection now.
    private static func accepts(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// Starts a helper process with this bus as its system bus; it is killed with the bus.
    @discardableResult
    public func spawn(_ executable: String, _ arguments: [String], output: FileHandle? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SYSTEM_BUS_ADDRESS"] = address
        process.environment = environment
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        helpers.append(process)
        return process
    }

    /// Starts a helper that writes a line once it is ready, and returns when it has.
    public func spawnReady(_ executable: String, _ arguments: [String]) throws {
        let ready = Pipe()
        readyPipes.append(ready)
        try spawn(executable, arguments, output: ready.fileHandleForWriting)
        _ = ready.fileHandleForReading.availableData
    }

    public func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The bus configuration every private bus of the tests uses (`private-bus.conf` beside this
    /// file, shared with the Python interop tests and the radio flood benchmark).
    public static func configuration(socket: String, type: String = "system") throws -> String {
        let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("private-bus.conf")
        return try String(contentsOf: template, encoding: .utf8)
            .replacingOccurrences(of: "@TYPE@", with: type).replacingOccurrences(of: "@SOCKET@", with: socket)
    }

    /// Kills dbus-daemon now (its peers stay, cut off): what a test of a lost bus needs. Killing the
    /// bus first matters: were a peer killed first, dbus-daemon would answer its pending calls with
    /// a genuine NoReply before dying, and the test would see that instead.
    public func killDaemon() {
        guard daemon.isRunning else { return }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
    }

    deinit {
        killDaemon()
        for helper in helpers where helper.isRunning { kill(helper.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Reads a helper's output line by line (nil at end of file: the helper is gone). The blocking
/// reads happen on a thread of their own, not on Swift's cooperative pool. One reader at a time.
public final class PeerLines: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    public init(_ handle: FileHandle) { self.handle = handle }

    public func next() async -> String? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.nextBlocking()) }.start()
        }
    }

    private func nextBlocking() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { return nil }
            buffer.append(chunk)
        }
    }
}
