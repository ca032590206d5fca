import Foundation
import Testing

/// The public field trials in `../shared/fielddata` beside the clone (never copied into the
/// repository); `BLEAGENT_FIELDDATA` names another place. Absent: the tests that need them skip,
/// except under CI (`CI` set), where absence fails.
enum FieldData {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["BLEAGENT_FIELDDATA"] { return URL(fileURLWithPath: path) }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/fielddata")
    }()

    static var available: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("README.md").path) }
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    static let absentMessage: Comment = "field data not found at ../shared/fielddata (set BLEAGENT_FIELDDATA)"
}
