import ArgumentParser
import ExposureNotification
import Foundation

/// `--json`, shared by every verb.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of text for people.")
    var json = false
}

/// `--json` for the verbs whose output is a narration or a log (`run`, `demo`): errors become one
/// JSON object on standard error, as in every verb; what they print otherwise is unchanged.
struct ErrorOutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Report an error as one JSON object on standard error (the output is unchanged).")
    var json = false
}

enum Output {
    /// Prints `value` as JSON with sorted keys (stable for diffs and tests).
    static func json<Value: Encodable>(_ value: Value) throws {
        let data = try SnakeCaseJSON.encoder().encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// One line, written at once (not through stdio's buffer): a follower such as `notify --follow`
    /// or `journalctl` sees it when it happens, and lines never reorder against `json`.
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// A warning for the person running the command, on standard error (never mixed into `--json`).
    static func warning(_ text: String) {
        FileHandle.standardError.write(Data(("bleagent: warning: " + text + "\n").utf8))
    }

    /// A question without a line end, shown before the answer is read.
    static func prompt(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) {
        guard let width = rows.map(\.count).max() else { return }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            line(cells.joined(separator: "  "))
        }
    }
}
