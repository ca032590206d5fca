import Testing
import Foundation

/// The public fixtures in `../shared/fixtures` beside the clone (never copied into the repository).
/// Set `BLEAGENT_FIXTURES` to use another location.
enum Fixtures {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["BLEAGENT_FIXTURES"] {
            return URL(fileURLWithPath: path)
        }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }()

    static var available: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("README.md").path) }

    static let absentMessage: Comment = "fixtures not found at ../shared/fixtures (set BLEAGENT_FIXTURES): these tests need the public GAEN fixtures"

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(relative))
    }

    static func text(_ relative: String) throws -> String {
        String(decoding: try data(relative), as: UTF8.self)
    }
}
