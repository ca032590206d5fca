import Durability
import Foundation

/// Puts a calibration into the `[radio]` table of a configuration file's text: replaces
/// `tx_power_dbm`, `rssi_correction_db` and `calibration` where they are, adds them after the
/// table's header where they are not, adds the table where there is none. Every other line (and
/// comment) stays as it was. Pure.
enum CalibrationWriter {
    static func edit(_ text: String, txPower: Int, rssiCorrection: Int, note: String) -> String {
        let escaped = note.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let settings: [(key: String, line: String)] = [
            ("tx_power_dbm", "tx_power_dbm = \(txPower)"),
            ("rssi_correction_db", "rssi_correction_db = \(rssiCorrection)"),
            ("calibration", "calibration = \"\(escaped)\""),
        ]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        func header(_ line: String) -> String? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("["), let end = trimmed.firstIndex(of: "]") else { return nil }
            return String(trimmed[trimmed.index(after: trimmed.startIndex)..<end]).trimmingCharacters(in: .whitespaces)
        }
        func key(_ line: String) -> String? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
            return String(trimmed[..<equals]).trimmingCharacters(in: .whitespaces)
        }
        guard let start = lines.firstIndex(where: { header($0) == "radio" }) else {
            if let last = lines.last, !last.trimmingCharacters(in: .whitespaces).isEmpty { lines.append("") }
            lines.append("[radio]")
            lines.append(contentsOf: settings.map(\.line))
            return lines.joined(separator: "\n") + "\n"
        }
        let end = lines[(start + 1)...].firstIndex { header($0) != nil } ?? lines.count
        var missing: [String] = []
        for setting in settings {
            if let index = lines[(start + 1)..<end].firstIndex(where: { key($0) == setting.key }) {
                lines[index] = setting.line
            } else {
                missing.append(setting.line)
            }
        }
        lines.insert(contentsOf: missing, at: start + 1)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CalibrationWriter {
    /// Edits the file at `path` (creating it if missing) durably, keeping its mode, and reads it
    /// back: a file the agent would refuse is never left behind.
    static func write(_ estimate: CalibrationEstimate, note: String, to path: String) throws(CLIError) {
        let existing: String
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError(.noInput, "cannot read \(path)") }
            existing = text
        } else {
            existing = ""
        }
        let edited = edit(existing, txPower: estimate.txPowerDbm, rssiCorrection: estimate.rssiCorrectionDb, note: note)
        do {
            _ = try AgentConfiguration.parse(edited, path: path)
        } catch {
            throw CLIError(.configuration, "\(path) would not load after the edit (\(error)); it was left as it was")
        }
        let mode = ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int).map { mode_t($0) } ?? 0o644
        do {
            try DurableFile.write(Data(edited.utf8), to: path, mode: mode, createFolders: true, folderMode: 0o755)
        } catch {
            throw CLIError(.failure, "cannot write \(path): \(error)")
        }
    }
}
