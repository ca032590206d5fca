import Foundation

/// journald's native socket. Thread-safe: each send is one datagram.
public final class JournalSocket: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The system journal, if there is one (`$BLEAGENT_JOURNAL_SOCKET` names another socket, for tests).
    public static let system: JournalSocket? = {
        let path = ProcessInfo.processInfo.environment["BLEAGENT_JOURNAL_SOCKET"] ?? "/run/systemd/journal/socket"
        return FileManager.default.fileExists(atPath: path) ? JournalSocket(path: path) : nil
    }()

    /// Sends one entry; false if it could not be delivered.
    @discardableResult
    public func send(_ fields: [(String, String)]) -> Bool {
        UnixDatagram.send(Self.entry(fields), to: path)
    }

    /// The native protocol's bytes: `NAME=value` lines; a value holding a newline is sent as the name,
    /// a newline, its length (64-bit little endian) and the bytes.
    static func entry(_ fields: [(String, String)]) -> Data {
        var payload = Data()
        for (name, value) in fields {
            if value.contains("\n") {
                payload.append(Data(name.utf8))
                payload.append(0x0A)
                var length = UInt64(value.utf8.count).littleEndian
                payload.append(Data(bytes: &length, count: 8))
                payload.append(Data(value.utf8))
                payload.append(0x0A)
            } else {
                payload.append(Data("\(name)=\(value)\n".utf8))
            }
        }
        return payload
    }
}
