/// A tiny SVG writer: shapes in user units, text escaped. Enough for the report's plots, and no
/// more (no script, no external reference: the page must open from disk with no network).
struct SVGCanvas {
    let width: Double
    let height: Double
    let label: String
    private var elements: [String] = []

    init(width: Double, height: Double, label: String) {
        self.width = width
        self.height = height
        self.label = label
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String) {
        elements.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" class=\"\(name)\"/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, class name: String, title: String? = nil) {
        let tip = title.map { "<title>\(HTMLText.escape($0))</title>" } ?? ""
        elements.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(w, 0)))\" height=\"\(f(max(h, 0)))\" class=\"\(name)\">\(tip)</rect>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, class name: String) {
        elements.append("<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(radius))\" class=\"\(name)\"/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ content: String, class name: String = "label", anchor: String = "start") {
        elements.append("<text x=\"\(f(x))\" y=\"\(f(y))\" class=\"\(name)\" text-anchor=\"\(anchor)\">\(HTMLText.escape(content))</text>")
    }

    func render() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\">"
            + elements.joined() + "</svg>"
    }

    private func f(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
