import Foundation

/// The report as text for people: per dataset, how it was replayed, then one table per risk model
/// with a row per scenario and one for all (aligned columns, two spaces apart).
public enum ReplayTable {
    public static func lines(_ report: FieldReplayReport) -> [String] {
        var lines: [String] = []
        for (index, dataset) in report.datasets.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("\(dataset.title): \(dataset.cases.count) contacts replayed")
            lines += dataset.method.map { "  " + $0 }
            lines += dataset.excluded.map { "  left out: \($0.count) — \($0.reason)" }
            if let distances = dataset.distances {
                lines.append("")
                lines += columns([["DISTANCE", "RECEIVER", "PACKETS", "DISCARDED", "MEDIAN RSSI", "MEDIAN ATTENUATION"]] + distances.map {
                    ["\($0.distanceCentimetres) cm", $0.receiver, "\($0.packets)", "\($0.discarded)",
                     $0.medianRssi.map { decibels($0, "dBm") } ?? "-", $0.medianAttenuation.map { decibels($0, "dB") } ?? "-"]
                })
            }
            for model in dataset.models {
                lines.append("")
                lines.append("risk \(model.risk)" + (model.note.map { " — \($0)" } ?? ""))
                lines += table(model)
            }
        }
        return lines
    }

    static func table(_ model: DatasetReplay.ModelRates) -> [String] {
        let withPhones = model.overall.phone != nil
        var header = ["SCENARIO", "CONTACTS", "FLAGGED"]
        for rule in CloseContactRule.all { header += ["CLOSE \(rule.id)", "TPR", "FPR"] }
        if withPhones { header += ["AGREES: PHONE HIGH", "PHONE HIGH|LOW"] }
        let rows = (model.scenarios + [model.overall]).map { rates -> [String] in
            var row = [rates.scenario, "\(rates.cases)", "\(rates.flagged)"]
            for rule in rates.rules {
                let judged = rule.close + rule.notClose
                row += [judged > 0 ? "\(rule.close)/\(judged)" : "-", rate(rule.flaggedClose, rule.close), rate(rule.flaggedNotClose, rule.notClose)]
            }
            if withPhones {
                let phone = rates.phone
                row += [rate(phone?.agreesWithHigh ?? 0, phone?.judged ?? 0), rate(phone?.agreesWithNotified ?? 0, phone?.judged ?? 0)]
            }
            return row
        }
        return columns([header] + rows)
    }

    /// `0.83 (5/6)`, or `-` when there is nothing to divide by.
    static func rate(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? String(format: "%.2f (%d/%d)", Double(part) / Double(whole), part, whole) : "-"
    }

    static func decibels(_ value: Double, _ unit: String) -> String { String(format: "%.1f", value) + " " + unit }

    /// Left-aligned columns separated by two spaces, the last column unpadded.
    public static func columns(_ rows: [[String]]) -> [String] {
        var widths: [Int] = []
        for row in rows {
            for (column, cell) in row.enumerated() {
                if column == widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            .joined(separator: "  ")
        }
    }
}
