/// One sender–receiver contact of a field trial, ready to be judged by any risk model: where it
/// belongs, what really happened (the ground truth per rule), what the receiving phone itself said,
/// and the scans in which the receiver heard the sender.
public struct ReplayCase: Hashable, Sendable {
    /// The group it is reported in: a MITLL-UA scenario, a tram distance, a Pi distance.
    public var scenario: String
    /// Which contact: run and agents, handset pair, device and slice.
    public var label: String
    /// The closest distance of the two during the contact, when known.
    public var closestMetres: Double?
    /// Per rule of `CloseContactRule.all`: the time within its distance and whether that is close.
    /// Empty when the trial gives no positions (no ground truth).
    public var truth: [RuleTruth]
    /// The receiving phone's own EN verdict (`high`, `low`, `none`), where the trial recorded one.
    public var phoneVerdict: String?
    public var scans: [ObservedScan]

    public init(scenario: String, label: String, closestMetres: Double?, truth: [RuleTruth], phoneVerdict: String?, scans: [ObservedScan]) {
        self.scenario = scenario
        self.label = label
        self.closestMetres = closestMetres
        self.truth = truth
        self.phoneVerdict = phoneVerdict
        self.scans = scans
    }

    public func isClose(under rule: CloseContactRule) -> Bool? {
        truth.first { $0.rule == rule.id }?.close
    }
}

/// Whether a contact was close under one rule, and the time within its distance it rests on.
public struct RuleTruth: Hashable, Sendable, Codable {
    public var rule: String
    public var secondsWithin: Int
    public var close: Bool

    public init(rule: CloseContactRule, secondsWithin: Int) {
        self.rule = rule.id
        self.secondsWithin = secondsWithin
        self.close = rule.isClose(secondsWithin: secondsWithin)
    }
}
