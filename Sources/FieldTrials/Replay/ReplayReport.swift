import ExposureNotification

/// The replays of one or more field datasets under each risk model: what `bleagent field replay`
/// prints (as a table, or as JSON with snake_case keys).
public struct FieldReplayReport: Hashable, Sendable, Codable {
    public var datasets: [DatasetReplay]

    public init(datasets: [DatasetReplay]) { self.datasets = datasets }
}

public struct DatasetReplay: Hashable, Sendable, Codable {
    /// `mitll-ua`, `dublin-tram`, `nist-rpi`.
    public var dataset: String
    public var title: String
    /// How the contacts, their scans and their ground truth were made (for people and for papers).
    public var method: [String]
    public var excluded: [Exclusion]
    public var models: [ModelRates]
    /// RSSI and attenuation by distance, where the dataset is about that (NIST).
    public var distances: [DistanceSummary]?
    public var cases: [CaseRecord]

    public struct Exclusion: Hashable, Sendable, Codable {
        public var reason: String
        public var count: Int
    }

    /// One model's rates per scenario (in the dataset's order) and over all of them.
    public struct ModelRates: Hashable, Sendable, Codable {
        public var risk: String
        /// How the model was chosen, when not given (a leave-one-scenario-out tuning says so).
        public var note: String?
        public var scenarios: [ScenarioRates]
        public var overall: ScenarioRates
    }

    /// One contact and what each model made of it.
    public struct CaseRecord: Hashable, Sendable, Codable {
        public var scenario: String
        public var label: String
        public var closestMetres: Double?
        public var truth: [RuleTruth]
        public var phoneVerdict: String?
        public var scans: Int
        public var judgements: [ReplayJudgement]
    }

    /// Judges every case under every configuration and tallies the rates.
    public init(dataset: String, title: String, method: [String], cases: [ReplayCase], excluded: [String: Int],
                configurations: [RiskConfiguration], distances: [DistanceSummary]? = nil) {
        self.dataset = dataset
        self.title = title
        self.method = method
        self.excluded = excluded.sorted { $0.key < $1.key }.map { Exclusion(reason: $0.key, count: $0.value) }
        self.distances = distances
        let judgements = cases.map { contact in configurations.map { ReplayJudgement.judge(contact.scans, configuration: $0) } }
        self.cases = zip(cases, judgements).map { contact, judged in
            CaseRecord(scenario: contact.scenario, label: contact.label, closestMetres: contact.closestMetres, truth: contact.truth,
                       phoneVerdict: contact.phoneVerdict, scans: contact.scans.count, judgements: judged)
        }
        self.models = configurations.enumerated().map { index, configuration in
            Self.rates(risk: configuration.name, note: nil, cases.enumerated().map { ($1, judgements[$0][index].flagged) })
        }
    }

    /// Rates per scenario (first-seen order) and overall, from contacts and whether each was flagged.
    public static func rates(risk: String, note: String?, _ judged: [(contact: ReplayCase, flagged: Bool)]) -> ModelRates {
        var order: [String] = []
        var groups: [String: [(contact: ReplayCase, flagged: Bool)]] = [:]
        for item in judged {
            if groups[item.contact.scenario] == nil { order.append(item.contact.scenario) }
            groups[item.contact.scenario, default: []].append(item)
        }
        return ModelRates(risk: risk, note: note, scenarios: order.map { ScenarioRates.tally($0, groups[$0] ?? []) },
                          overall: ScenarioRates.tally("all", judged))
    }
}

/// RSSI against distance for one receiver (NIST): the medians over every packet it kept.
public struct DistanceSummary: Hashable, Sendable, Codable {
    public var distanceCentimetres: Int
    public var receiver: String
    public var packets: Int
    /// Packets dropped as nonsense (an RSSI out of range or a garbled RPI).
    public var discarded: Int
    public var medianRssi: Double?
    public var medianAttenuation: Double?
}
