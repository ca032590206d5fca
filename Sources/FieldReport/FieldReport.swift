import ExposureNotification

/// What `bleagent field report` draws, computed from sightings, the keys they matched and a risk
/// model. Pure: the caller matches and judges (the same functions the daemon uses) and hands the
/// results in; `html()` renders it. Sized for weeks of sightings: every series is binned, so the
/// page stays small whatever the input.
public struct FieldReport: Sendable {
    /// One matched key: its sightings' attenuation over time.
    public struct Trace: Sendable {
        /// The key's first 8 hex digits (a published key: public once uploaded).
        public var key: String
        public var days: [ExposureDay]
        /// (Unix seconds, typical attenuation, minimum attenuation), time-ordered, at most `maximumPoints`.
        public var points: [(time: Int64, typical: Int, minimum: Int)]
        public var sightings: Int
    }

    /// One day's judgement, as `exposures` would report it.
    public struct Day: Sendable {
        public var day: ExposureDay
        public var score: Double
        public var seconds: Int
        public var isContactDay: Bool
    }

    /// How steadily the scanner heard anything on one day: which 10-minute intervals had a sighting.
    public struct Continuity: Sendable {
        public var day: ExposureDay
        /// 144 flags, one per interval of the day.
        public var heard: [Bool]
        /// Share of the intervals between the day's first and last heard ones that heard something.
        public var share: Double
    }

    /// The device whose radio made the sightings, in words (`calibration in force`).
    public struct Calibration: Sendable {
        public var txPower: Int
        public var rssiCorrection: Int
        public var source: String

        public init(txPower: Int, rssiCorrection: Int, source: String) {
            self.txPower = txPower
            self.rssiCorrection = rssiCorrection
            self.source = source
        }
    }

    public var title: String
    public var generatedAt: Int64
    public var model: RiskConfiguration
    public var calibration: Calibration?
    public var sightings: Int
    public var keyFiles: [String]
    public var traces: [Trace]
    /// Typical attenuation of every matched sighting, in 1 dB bins 0…255.
    public var histogram: [Int]
    public var days: [Day]
    public var continuity: [Continuity]

    public static let maximumPoints = 600

    public init(title: String, generatedAt: Int64, table: SightingTable, matches: [KeyMatch], dailyRisks: [DailyRisk],
                model: RiskConfiguration, calibration: Calibration?, keyFiles: [String]) {
        self.title = title
        self.generatedAt = generatedAt
        self.model = model
        self.calibration = calibration
        self.sightings = table.count
        self.keyFiles = keyFiles
        var histogram = [Int](repeating: 0, count: 256)
        traces = matches.map { match in
            var points: [(time: Int64, typical: Int, minimum: Int)] = match.hits.map { hit in
                let sighting = table[hit.sightingIndex]
                // The judgement's own reading of the sighting (0…255 dB).
                let scan = ExposureWindowBuilder.scanInstance(sighting, txPower: hit.metadata.txPower, configuration: model)
                histogram[scan.typicalAttenuation] += 1
                return (sighting.time, scan.typicalAttenuation, scan.minAttenuation)
            }
            points.sort { $0.time < $1.time }
            let days = Set(points.map { ExposureDay(unixSeconds: $0.time) }).sorted()
            return Trace(key: String(match.key.keyData.description.prefix(8)), days: days,
                         points: Self.binned(points), sightings: match.hits.count)
        }
        .sorted { ($0.points.first?.time ?? 0, $0.key) < ($1.points.first?.time ?? 0, $1.key) }
        self.histogram = histogram
        days = dailyRisks.map { Day(day: $0.day, score: $0.score, seconds: $0.seconds, isContactDay: $0.isContactDay) }
        continuity = Self.continuity(table)
    }

    /// At most `maximumPoints` points: consecutive runs merged, keeping each run's closest reading
    /// (lowest attenuation) so that a brief close approach is never smoothed away.
    static func binned(_ points: [(time: Int64, typical: Int, minimum: Int)]) -> [(time: Int64, typical: Int, minimum: Int)] {
        guard points.count > maximumPoints else { return points }
        let run = (points.count + maximumPoints - 1) / maximumPoints
        return stride(from: 0, to: points.count, by: run).map { start in
            let slice = points[start..<min(start + run, points.count)]
            return (slice[slice.startIndex].time, slice.map(\.typical).min() ?? 0, slice.map(\.minimum).min() ?? 0)
        }
    }

    static func continuity(_ table: SightingTable) -> [Continuity] {
        var heard: [ExposureDay: [Bool]] = [:]
        for sighting in table.sightings where sighting.time >= 0 {
            let day = ExposureDay(unixSeconds: sighting.time)
            let slot = Int((sighting.time - day.unixSeconds) / 600)
            guard (0..<144).contains(slot) else { continue }
            heard[day, default: [Bool](repeating: false, count: 144)][slot] = true
        }
        return heard.keys.sorted().compactMap { day in
            guard let flags = heard[day], let first = flags.firstIndex(of: true), let last = flags.lastIndex(of: true) else { return nil }
            let span = flags[first...last]
            return Continuity(day: day, heard: flags, share: Double(span.filter { $0 }.count) / Double(span.count))
        }
    }
}
