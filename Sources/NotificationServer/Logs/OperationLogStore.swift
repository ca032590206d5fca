import Durability
import Foundation

/// Operation logs users choose to send (`bleagent logs send`): each zip is kept under a random log
/// ID the user can quote to support. Nothing else is recorded with it: no address, no time beyond
/// the file's own.
public struct OperationLogStore: Sendable {
    public let directory: String
    public var maximumBytes: Int

    public init(directory: String, maximumBytes: Int = 1 << 20) {
        self.directory = directory
        self.maximumBytes = maximumBytes
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

    /// Stores `data` and returns its log ID.
    public func store(_ data: Data) throws(Failure) -> String {
        guard data.count <= maximumBytes else { throw .tooLarge(limit: maximumBytes) }
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw .notAZip }
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
}
