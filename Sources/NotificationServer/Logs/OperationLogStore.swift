import Durability
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Operation logs users choose to send (`bleagent logs send`): each zip is kept under a random log
/// ID the user can quote to support. Nothing else is recorded with it: no address, no time beyond
/// the file's own. Uploads need no login, so what they can take is bounded: a log is deleted after
/// `retentionSeconds` (14 days), and the oldest go first when all of them together would pass
/// `maximumTotalBytes`.
public struct OperationLogStore: Sendable {
    public let directory: String
    public var maximumBytes: Int
    public var retentionSeconds: Int64
    public var maximumTotalBytes: Int

    public init(directory: String, maximumBytes: Int = 1 << 20, retentionSeconds: Int64 = 14 * 86_400, maximumTotalBytes: Int = 256 << 20) {
        self.directory = directory
        self.maximumBytes = maximumBytes
        self.retentionSeconds = retentionSeconds
        self.maximumTotalBytes = maximumTotalBytes
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case notAZip
        case storage(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "the log is larger than \(limit) bytes"
            case .notAZip: "the log is not a zip file"
            case .storage(let detail): detail
            }
        }
    }

    /// Stores `data` and returns its log ID, after removing logs past their retention at `now`
    /// and, oldest first, as many as needed to keep the total with this one under the quota.
    public func store(_ data: Data, now: Int64) throws(Failure) -> String {
        guard data.count <= maximumBytes else { throw .tooLarge(limit: maximumBytes) }
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw .notAZip }
        prune(now: now, making: data.count)
        let id = UUID().uuidString.lowercased()
        do {
            try DurableFile.write(data, to: "\(directory)/\(id).zip", mode: 0o600)
        } catch {
            throw .storage(error.description)
        }
        return id
    }

    public func path(of id: String) -> String? {
        guard UUID(uuidString: id) != nil else { return nil }
        let path = "\(directory)/\(id.lowercased()).zip"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Removes logs older than the retention at `now`, then the oldest until `room` more bytes fit
    /// under the quota. Returns how many were removed.
    @discardableResult
    public func prune(now: Int64, making room: Int = 0) -> Int {
        var logs: [(path: String, modified: Int64, bytes: Int)] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".zip") {
            var info = stat()
            let path = "\(directory)/\(name)"
            guard stat(path, &info) == 0 else { continue }
            logs.append((path, Int64(info.st_mtim.tv_sec), Int(info.st_size)))
        }
        logs.sort { $0.modified < $1.modified }
        var removed = 0
        var total = logs.reduce(0) { $0 + $1.bytes }
        for log in logs where log.modified <= now - retentionSeconds || total + room > maximumTotalBytes {
            guard unlink(log.path) == 0 else { continue }
            total -= log.bytes
            removed += 1
        }
        return removed
    }
}
