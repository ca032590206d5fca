/// How a risk model did on a group of contacts: per ground-truth rule, the true-positive rate
/// (flagged close contacts / close contacts) and false-positive rate (flagged others / others);
/// and, where the phones judged too, how often the model agrees with them.
public struct ScenarioRates: Hashable, Sendable, Codable {
    public var scenario: String
    public var cases: Int
    /// Contacts the model flagged (a contact day).
    public var flagged: Int
    public var rules: [RuleRates]
    /// Nil where the dataset has no phone verdicts.
    public var phone: PhoneAgreement?

    /// Tallies `judged` (each contact with whether the model flagged it).
    public static func tally(_ scenario: String, _ judged: [(contact: ReplayCase, flagged: Bool)]) -> ScenarioRates {
        let rules = CloseContactRule.all.map { rule in
            var rates = RuleRates(rule: rule.id)
            for (contact, flagged) in judged {
                switch contact.isClose(under: rule) {
                case .some(true): rates.close += 1; if flagged { rates.flaggedClose += 1 }
                case .some(false): rates.notClose += 1; if flagged { rates.flaggedNotClose += 1 }
                case .none: rates.unknown += 1
                }
            }
            rates.truePositiveRate = rates.close > 0 ? Double(rates.flaggedClose) / Double(rates.close) : nil
            rates.falsePositiveRate = rates.notClose > 0 ? Double(rates.flaggedNotClose) / Double(rates.notClose) : nil
            return rates
        }
        var phone = PhoneAgreement()
        for (contact, flagged) in judged {
            guard let verdict = contact.phoneVerdict, ["high", "low", "none"].contains(verdict) else { continue }
            phone.judged += 1
            if flagged == (verdict == "high") { phone.agreesWithHigh += 1 }
            if flagged == (verdict != "none") { phone.agreesWithNotified += 1 }
        }
        guard phone.judged > 0 else { return ScenarioRates(scenario: scenario, cases: judged.count, flagged: judged.filter(\.flagged).count, rules: rules, phone: nil) }
        phone.highRate = Double(phone.agreesWithHigh) / Double(phone.judged)
        phone.notifiedRate = Double(phone.agreesWithNotified) / Double(phone.judged)
        return ScenarioRates(scenario: scenario, cases: judged.count, flagged: judged.filter(\.flagged).count, rules: rules, phone: phone)
    }
}

public struct RuleRates: Hashable, Sendable, Codable {
    public var rule: String
    public var close = 0
    public var flaggedClose = 0
    public var notClose = 0
    public var flaggedNotClose = 0
    /// Contacts without ground truth (no positions): in neither rate.
    public var unknown = 0

    public init(rule: String) { self.rule = rule }

    /// Flagged close / close, nil without close contacts.
    public var truePositiveRate: Double?
    /// Flagged not close / not close, nil without such contacts.
    public var falsePositiveRate: Double?
}

/// Agreement with the receiving phones' own EN verdicts: with "notified at high" (the model flags
/// exactly the phones that said `high`) and with "notified at all" (flags exactly those that said
/// `high` or `low`).
public struct PhoneAgreement: Hashable, Sendable, Codable {
    public var judged = 0
    public var agreesWithHigh = 0
    public var agreesWithNotified = 0

    public var highRate: Double?
    public var notifiedRate: Double?

    public init() {}
}
