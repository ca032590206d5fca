/// The ground truth of a MITLL-UA contact: from the setup positions, how long two agents were within
/// a distance of each other during a run, and how close they came. Positions hold from their
/// transition minute to the next one (or the run's end); an agent with no position is out of the scene.
public enum AgentTrack {
    public struct Proximity: Hashable, Sendable {
        /// The closest the two were while both in the scene (metres); nil if never together.
        public var closestMetres: Double?
        /// Per rule of `rules`, in order: seconds within its distance.
        public var secondsWithin: [Int]
    }

    /// Nil when either agent has no positions (tracked by motion capture, not in the data).
    public static func proximity(_ first: TrialSetup.Agent, _ second: TrialSetup.Agent, runSeconds: Int,
                                 rules: [CloseContactRule] = CloseContactRule.all) -> Proximity? {
        guard !first.positions.isEmpty, !second.positions.isEmpty, runSeconds > 0 else { return nil }
        let boundaries = Set((first.transitionMinutes + second.transitionMinutes).map { $0 * 60 } + [0])
            .filter { $0 < runSeconds }.sorted()
        var closest: Double?
        var within = [Int](repeating: 0, count: rules.count)
        for (index, from) in boundaries.enumerated() {
            let to = index + 1 < boundaries.count ? boundaries[index + 1] : runSeconds
            guard let a = position(of: first, atSecond: from), let b = position(of: second, atSecond: from) else { continue }
            let metres = distanceFeet(a, b) * CloseContactRule.feet
            closest = min(closest ?? metres, metres)
            for (rule, line) in rules.enumerated() where metres <= line.maximumMetres + 1e-9 { within[rule] += to - from }
        }
        return Proximity(closestMetres: closest, secondsWithin: within)
    }

    /// Where `agent` is at `second` of the run (feet), nil when out of the scene (or before its first transition).
    static func position(of agent: TrialSetup.Agent, atSecond second: Int) -> [Double]? {
        guard let index = agent.transitionMinutes.lastIndex(where: { $0 * 60 <= second }) else { return nil }
        return agent.positions[index]
    }

    static func distanceFeet(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
}
