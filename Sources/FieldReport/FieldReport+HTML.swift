import ExposureNotification
import Foundation

extension FieldReport {
    /// One self-contained page: inline CSS and SVG, no script, nothing fetched.
    public func html() -> String {
        var body: [String] = []
        body.append("<h1>\(HTMLText.escape(title))</h1>")
        body.append("<p class=\"meta\">Generated \(Self.timestamp(generatedAt)) UTC by bleagent field report. \(sightings) sightings; "
                    + "\(traces.count) matched key\(traces.count == 1 ? "" : "s"); risk model <b>\(HTMLText.escape(model.name))</b>; key files: "
                    + (keyFiles.isEmpty ? "none" : keyFiles.map(HTMLText.escape).joined(separator: ", ")) + ".</p>")
        body.append(calibrationSection())
        body.append("<h2>Per-day score against the threshold</h2>")
        body.append(daysChart())
        body.append("<h2>Attenuation over time, per matched key</h2>")
        body.append("<p>Typical attenuation (filled: the scan's mean RSSI) and minimum (ring: its strongest packet); dashed lines are the model's bucket thresholds, each bucket's weight beside it.</p>")
        if traces.isEmpty { body.append("<p class=\"none\">No key matched these sightings.</p>") }
        for trace in traces { body.append(traceChart(trace)) }
        body.append("<h2>Attenuation histogram of matched sightings</h2>")
        body.append(histogramChart())
        body.append("<h2>Detection continuity</h2>")
        body.append("<p>Each cell is a 10-minute interval of the UTC day: dark when at least one advert was heard. The share counts the intervals between the day's first and last heard ones.</p>")
        body.append(continuityChart())
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>\(Self.style)</style></head>
        <body>\(body.joined(separator: "\n"))</body></html>

        """
    }

    private func calibrationSection() -> String {
        guard let calibration else {
            return "<p class=\"meta\">Calibration in force: not given (attenuation uses the model's RSSI correction, \(model.rssiCorrection) dB).</p>"
        }
        return "<p class=\"calibration\">Calibration in force: TX power \(calibration.txPower) dBm, RSSI correction \(calibration.rssiCorrection) dB "
            + "(\(HTMLText.escape(calibration.source))). Attenuation = the sender's advertised TX power − (RSSI + \(model.rssiCorrection) dB).</p>"
    }

    private var bucketLabels: [(threshold: Int, label: String)] {
        model.attenuationThresholds.enumerated().map { index, threshold in
            let weight = index < model.attenuationWeights.count ? model.attenuationWeights[index] : 0
            return (threshold, "≤ \(threshold) dB × \(Self.number(weight))")
        }
    }

    private func traceChart(_ trace: Trace) -> String {
        let width = 900.0, height = 260.0, left = 60.0, right = 150.0, top = 20.0, bottom = 40.0
        var canvas = SVGCanvas(width: width, height: height, label: "attenuation over time for key \(trace.key)")
        let start = trace.points.first?.time ?? 0, end = max(trace.points.last?.time ?? 0, start + 60)
        let ceiling = Double(max(100, (trace.points.map(\.typical).max() ?? 0) + 10))
        func x(_ time: Int64) -> Double { left + Double(time - start) / Double(end - start) * (width - left - right) }
        func y(_ attenuation: Double) -> Double { top + attenuation / ceiling * (height - top - bottom) }
        axes(&canvas, left: left, right: width - right, top: top, bottom: height - bottom, ceiling: ceiling, y: y)
        for bucket in bucketLabels {
            canvas.line(left, y(Double(bucket.threshold)), width - right, y(Double(bucket.threshold)), class: "threshold")
            canvas.text(width - right + 6, y(Double(bucket.threshold)) + 4, bucket.label, class: "small")
        }
        for point in trace.points {
            canvas.circle(x(point.time), y(Double(point.minimum)), radius: 2.5, class: "minimum")
            canvas.circle(x(point.time), y(Double(point.typical)), radius: 2.5, class: "typical")
        }
        canvas.text(left + 4, top + 12, "farther ↓", class: "small")
        canvas.text(left, height - 12, Self.timestamp(start), class: "small")
        canvas.text(width - right, height - 12, Self.timestamp(end), class: "small", anchor: "end")
        let days = trace.days.map(\.iso8601).joined(separator: ", ")
        return "<figure><figcaption>Key \(trace.key)… — \(trace.sightings) sightings on \(days)"
            + (trace.points.count < trace.sightings ? " (drawn as \(trace.points.count) points: each the closest of its run)" : "")
            + "</figcaption>\(canvas.render())</figure>"
    }

    private func axes(_ canvas: inout SVGCanvas, left: Double, right: Double, top: Double, bottom: Double, ceiling: Double,
                      y: (Double) -> Double) {
        canvas.line(left, top, left, bottom, class: "axis")
        canvas.line(left, bottom, right, bottom, class: "axis")
        for tick in stride(from: 0.0, through: ceiling, by: 20) {
            canvas.line(left - 4, y(tick), left, y(tick), class: "axis")
            canvas.text(left - 8, y(tick) + 4, "\(Int(tick)) dB", class: "small", anchor: "end")
        }
    }

    private func histogramChart() -> String {
        let total = histogram.reduce(0, +)
        guard total > 0, let low = histogram.firstIndex(where: { $0 > 0 }), let high = histogram.lastIndex(where: { $0 > 0 }) else {
            return "<p class=\"none\">No matched sighting to count.</p>"
        }
        let first = max(0, min(low, 30) - 2), last = min(255, max(high, 90) + 2)
        let width = 900.0, height = 240.0, left = 60.0, right = 20.0, top = 20.0, bottom = 40.0
        var canvas = SVGCanvas(width: width, height: height, label: "histogram of typical attenuation")
        let peak = Double(histogram.max() ?? 1)
        let barWidth = (width - left - right) / Double(last - first + 1)
        func x(_ attenuation: Int) -> Double { left + Double(attenuation - first) * barWidth }
        var previous = first
        for (index, bucket) in (bucketLabels.map(\.threshold) + [last]).enumerated() where bucket >= first {
            let upper = min(bucket, last)
            canvas.rect(x(previous), top, x(upper + 1) - x(previous), height - top - bottom, class: index % 2 == 0 ? "band" : "band2",
                        title: index < bucketLabels.count ? bucketLabels[index].label : "other")
            previous = upper + 1
            if previous > last { break }
        }
        for attenuation in first...last where histogram[attenuation] > 0 {
            let h = Double(histogram[attenuation]) / peak * (height - top - bottom)
            canvas.rect(x(attenuation), height - bottom - h, barWidth * 0.9, h, class: "bar", title: "\(attenuation) dB: \(histogram[attenuation])")
        }
        // Labels on alternate rows: neighbouring thresholds (60 and 65 dB) would overlap on one.
        for (index, bucket) in bucketLabels.enumerated() where bucket.threshold >= first && bucket.threshold <= last {
            canvas.line(x(bucket.threshold + 1), top, x(bucket.threshold + 1), height - bottom, class: "threshold")
            canvas.text(x(bucket.threshold + 1) + 3, top + 12 + Double(index % 2) * 14, bucket.label, class: "small")
        }
        canvas.line(left, height - bottom, width - right, height - bottom, class: "axis")
        for tick in stride(from: (first / 10 + 1) * 10, through: last, by: 10) {
            canvas.text(x(tick), height - bottom + 16, "\(tick)", class: "small", anchor: "middle")
        }
        canvas.text(width - right, height - 8, "typical attenuation (dB); \(total) sightings", class: "small", anchor: "end")
        return canvas.render()
    }

    private func daysChart() -> String {
        guard !days.isEmpty else { return "<p class=\"none\">No day to judge.</p>" }
        let width = 900.0, height = 240.0, left = 60.0, right = 20.0, top = 26.0, bottom = 50.0
        var canvas = SVGCanvas(width: width, height: height, label: "score per day against the threshold")
        let ceiling = max(model.minimumDailyScore * 1.5, days.map(\.score).max() ?? 0) * 1.05
        let slot = min((width - left - right) / Double(days.count), 90)
        func y(_ score: Double) -> Double { height - bottom - score / max(ceiling, 1) * (height - top - bottom) }
        for (index, day) in days.enumerated() {
            let x = left + Double(index) * slot
            canvas.rect(x + slot * 0.15, y(day.score), slot * 0.7, height - bottom - y(day.score), class: day.isContactDay ? "contact" : "bar",
                        title: "\(day.day.iso8601): score \(Self.number(day.score)), \(day.seconds / 60) min\(day.isContactDay ? ", contact day" : "")")
            canvas.text(x + slot / 2, height - bottom + 16, String(day.day.iso8601.suffix(5)), class: "small", anchor: "middle")
            canvas.text(x + slot / 2, height - bottom + 30, "\(day.seconds / 60) min", class: "small", anchor: "middle")
        }
        canvas.line(left, y(model.minimumDailyScore), width - right, y(model.minimumDailyScore), class: "threshold")
        canvas.text(width - right, top - 6,
                    "dashed: the threshold, score \(Self.number(model.minimumDailyScore)) and \(model.minimumDailySeconds / 60) min; red: a contact day",
                    class: "small", anchor: "end")
        canvas.line(left, top, left, height - bottom, class: "axis")
        canvas.line(left, height - bottom, width - right, height - bottom, class: "axis")
        canvas.text(left - 8, y(0) + 4, "0", class: "small", anchor: "end")
        canvas.text(left - 8, y(ceiling / 1.05) + 4, Self.number(ceiling / 1.05), class: "small", anchor: "end")
        return canvas.render()
    }

    private func continuityChart() -> String {
        guard !continuity.isEmpty else { return "<p class=\"none\">Nothing was heard.</p>" }
        let left = 150.0, cell = 5.0, row = 14.0
        var canvas = SVGCanvas(width: left + 144 * cell + 20, height: Double(continuity.count) * row + 24, label: "10-minute intervals with a sighting")
        for (index, day) in continuity.enumerated() {
            let y = Double(index) * row + 4
            canvas.text(0, y + 10, "\(day.day.iso8601)  \(Int((day.share * 100).rounded())) %", class: "small")
            for (slot, heard) in day.heard.enumerated() {
                canvas.rect(left + Double(slot) * cell, y, cell - 0.5, row - 3, class: heard ? "heard" : "silent")
            }
        }
        let bottom = Double(continuity.count) * row + 20
        for hour in stride(from: 0, through: 24, by: 6) {
            canvas.text(left + Double(hour * 6) * cell, bottom, String(format: "%02d:00", hour), class: "small", anchor: "middle")
        }
        return canvas.render()
    }

    static func timestamp(_ seconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        return date.formatted(Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
            .timeSeparator(.colon).dateTimeSeparator(.space))
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.2f", value)
    }

    static let style = """
    body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#1d2327;padding:0 12px}
    h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
    .meta,.calibration{color:#444}.calibration{background:#f3f6f9;padding:8px 10px;border-radius:4px}
    .none{color:#777;font-style:italic}figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
    svg{max-width:100%;height:auto;display:block}.axis{stroke:#333;stroke-width:1}
    .threshold{stroke:#c0392b;stroke-width:1;stroke-dasharray:5 4}.label{font-size:12px;fill:#222}.small{font-size:11px;fill:#444}
    .typical{fill:#1f6feb}.minimum{fill:none;stroke:#8250df;stroke-width:1}.bar{fill:#1f6feb}.contact{fill:#c0392b}
    .band{fill:#f4f8fb}.band2{fill:#eaf1f7}.heard{fill:#2d6a4f}.silent{fill:#e9ecef}
    """
}
