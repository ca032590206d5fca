import Foundation
import HostSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// swift-log → journald's native protocol (one datagram of `FIELD=value` lines to
/// /run/systemd/journal/socket), or stderr where there is no journal. Messages never carry RPIs,
/// keys or addresses: callers log events and counts only.
struct JournalLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    let journal: JournalSocket?

    init(label: String, journal: JournalSocket? = JournalSocket.system) {
        self.label = label
        self.journal = journal
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?) {
        var fields: [(String, String)] = [("MESSAGE", message.description), ("PRIORITY", "\(Self.priority(level))"), ("SYSLOG_IDENTIFIER", "bleagent")]
        for (key, value) in self.metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) {
            fields.append((Self.fieldName(key), "\(value)"))
        }
        if let journal, journal.send(fields) { return }
        let rest = fields.dropFirst(3).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("bleagent[\(level)]: \(message)\(rest.isEmpty ? "" : " (\(rest))")\n".utf8))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Journal field names: upper case letters, digits and underscores.
    static func fieldName(_ key: String) -> String {
        let upper = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return String(upper).hasPrefix("_") ? "X" + String(upper) : String(upper)
    }
}

/// journald's native socket. Thread-safe: each send is one datagram.
final class JournalSocket: Sendable {
    let path: String

    init(path: String) { self.path = path }

    /// The system journal, if there is one.
    static let system: JournalSocket? = {
        let path = ProcessInfo.processInfo.environment["BLEAGENT_JOURNAL_SOCKET"] ?? "/run/systemd/journal/socket"
        return FileManager.default.fileExists(atPath: path) ? JournalSocket(path: path) : nil
    }()

    /// Sends one entry; false if it could not be delivered.
    func send(_ fields: [(String, String)]) -> Bool {
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
        return UnixDatagram.send(payload, to: path)
    }
}
