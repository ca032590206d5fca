/// Leith & Farrell's Dublin tram measurements: per row, a pair of handsets at one distance and the
/// minutes GAEN recorded in each attenuation bin. Three text files, row for row: the attenuations
/// (19 columns), the distances (metres) and the pairs (two handset numbers). `#` lines are comments.
public struct TramDataset: Hashable, Sendable {
    /// The bins' edges (dB) as the dataset's header gives them: 48–50, 50–52, …, 78–80, 80–85, 85–90, 90–100.
    public static let binEdges: [Int] = Array(stride(from: 48, through: 80, by: 2)) + [85, 90, 100]

    public struct Row: Hashable, Sendable {
        /// The pair's handset numbers (1…7).
        public var handsets: [Int]
        public var distanceMetres: Double
        /// Minutes per bin of `binEdges`.
        public var minutes: [Double]
    }

    public var rows: [Row]

    public static func parse(attenuations: String, distances: String, pairs: String,
                             files: (attenuations: String, distances: String, pairs: String)) throws(FieldDataError) -> TramDataset {
        let bins = binEdges.count - 1
        let minutes = try table(attenuations, file: files.attenuations, columns: bins, range: 0...1440, what: "minutes")
        let metres = try table(distances, file: files.distances, columns: 1, range: 0...1000, what: "a distance in metres")
        let handsets = try table(pairs, file: files.pairs, columns: 2, range: 1...99, what: "a handset number")
        guard minutes.count == metres.count, minutes.count == handsets.count else {
            throw FieldDataError(file: files.attenuations,
                                 "\(minutes.count) rows of minutes, \(metres.count) distances and \(handsets.count) pairs: the files must match row for row")
        }
        for (pair, line) in handsets where pair.contains(where: { $0 != $0.rounded() }) {
            throw FieldDataError(file: files.pairs, line: line, "handset numbers must be whole")
        }
        return TramDataset(rows: zip(minutes, zip(metres, handsets)).map { minutes, rest in
            Row(handsets: rest.1.0.map { Int($0) }, distanceMetres: rest.0.0[0], minutes: minutes.0)
        })
    }

    /// Rows of `columns` numbers each, in `range`, with their line numbers.
    static func table(_ text: String, file: String, columns: Int, range: ClosedRange<Double>,
                      what: String) throws(FieldDataError) -> [([Double], Int)] {
        var rows: [([Double], Int)] = []
        for (index, line) in text.textLines().enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var values: [Double] = []
            for field in fields {
                guard let value = Double(field), value.isFinite, range.contains(value) else {
                    throw FieldDataError(file: file, line: index + 1, "\(field): expected \(what) (\(range.lowerBound)…\(range.upperBound))")
                }
                values.append(value)
            }
            guard values.count == columns else {
                throw FieldDataError(file: file, line: index + 1, "\(values.count) numbers, expected \(columns)")
            }
            rows.append((values, index + 1))
        }
        return rows
    }
}
