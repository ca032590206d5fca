import Foundation

/// A fresh directory for one test, removed when the value goes.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ name: String = "test") {
        path = NSTemporaryDirectory() + "bleagent-test-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
