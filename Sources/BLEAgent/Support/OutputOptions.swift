import ArgumentParser
import ExposureNotification
import Foundation

/// `--json`, shared by every verb.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of text for people.")
    var json = false

    /// The language of the text for people, from this process's locale (`--json` is the same in every one).
    var language: Language { Language(environment: ProcessInfo.processInfo.environment) }
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

    /// Left-aligned columns separated by two spaces. Widths are counted in terminal columns, so a
    /// Japanese header (two columns a character) lines up with the figures under it.
    static func table(_ rows: [[String]]) {
        guard let width = rows.map(\.count).max() else { return }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], columns(cell)) } }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - columns(cell))
            }
            line(cells.joined(separator: "  "))
        }
    }

    /// Terminal columns `text` takes: two for East Asian wide characters (kana, kanji, full-width forms), one otherwise.
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { sum, scalar in
            let wide = (0x1100...0x115F).contains(scalar.value) || (0x2E80...0xA4CF).contains(scalar.value)
                || (0xAC00...0xD7A3).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
                || (0xFE30...0xFE4F).contains(scalar.value) || (0xFF00...0xFF60).contains(scalar.value) || (0xFFE0...0xFFE6).contains(scalar.value)
            return sum + (wide ? 2 : 1)
        }
    }
}
