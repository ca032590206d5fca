import ExposureNotification

/// A model tuned on field data and reported only where it was not tuned: for each scenario, the
/// classic shape (only scans at ≤ T dB count, 15 minutes of them make a contact day) with the line T
/// that maximises TPR − FPR (6 ft / 15 min) over the *other* scenarios' contacts, then judged on
/// the held-out scenario. A scenario without ground truth is judged with the line tuned on all
/// scenarios that have it (none of its own data enter). Ties go to the lower, more specific line.
public enum LeaveOneScenarioOut {
    public static let lines = Array(40...80)
    public static let name = "tuned-loso"

    public static func model(line: Int) -> RiskConfiguration {
        var model = RiskConfiguration.classic
        model.name = "\(name)-\(line)dB"
        model.attenuationThresholds = [line, max(line, 63), max(line, 70)]
        return model
    }

    public static func rates(_ cases: [ReplayCase], rule: CloseContactRule = .sixFeet) -> DatasetReplay.ModelRates {
        let flags = cases.map { contact in lines.map { ReplayJudgement.judge(contact.scans, configuration: model(line: $0)).flagged } }
        var scenarios: [String] = []
        for contact in cases where !scenarios.contains(contact.scenario) { scenarios.append(contact.scenario) }
        var chosen: [String: Int] = [:]
        var judged: [(contact: ReplayCase, flagged: Bool)] = []
        for scenario in scenarios {
            let training = cases.indices.filter { cases[$0].scenario != scenario && cases[$0].isClose(under: rule) != nil }
            let best = bestLine(training.map { (cases[$0], flags[$0]) }, rule: rule)
            chosen[scenario] = lines[best]
            for index in cases.indices where cases[index].scenario == scenario { judged.append((cases[index], flags[index][best])) }
        }
        let note = "a ≤ T dB / 15 min line per scenario, tuned (max TPR − FPR at \(rule.id)) on the other scenarios only: "
            + scenarios.map { "\($0) \(chosen[$0] ?? 0)" }.joined(separator: ", ")
        return DatasetReplay.rates(risk: name, note: note, judged)
    }

    /// The index in `lines` with the highest TPR − FPR over `training` (each contact with its flags per line).
    static func bestLine(_ training: [(contact: ReplayCase, flags: [Bool])], rule: CloseContactRule) -> Int {
        var best = 0, bestScore = -Double.infinity
        for line in lines.indices {
            let rates = ScenarioRates.tally("training", training.map { ($0.contact, $0.flags[line]) })
            guard let rates = rates.rules.first(where: { $0.rule == rule.id }) else { continue }
            let score = (rates.truePositiveRate ?? 0) - (rates.falsePositiveRate ?? 0)
            if score > bestScore + 1e-12 { best = line; bestScore = score }
        }
        return best
    }
}
