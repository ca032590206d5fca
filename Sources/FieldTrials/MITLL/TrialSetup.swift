import Foundation

/// A MITLL-UA scenario's `<name>_setup.json`: where each agent stands (feet) from each transition
/// minute on, and the phones used. Only what the replay needs is read.
public struct TrialSetup: Hashable, Sendable {
    public struct Agent: Hashable, Sendable {
        public var id: String
        /// From `transitionMinutes[i]` on, the agent's phone is at `positions[i]` (x, y, z in feet),
        /// or nowhere in the scene when nil (an empty position in the file). No positions at all:
        /// the trial tracked the agent by motion capture, which is not in the data (no ground truth).
        public var positions: [[Double]?]
        public var transitionMinutes: [Int]
    }

    public struct Phone: Hashable, Sendable {
        public var id: String
        public var model: String
        /// Seconds the phone's clock is ahead of the trial's reference time.
        public var timeOffset: Double
    }

    public var title: String
    public var agents: [Agent]
    public var phones: [Phone]

    public func agent(_ id: String) -> Agent? { agents.first { $0.id == id } }
    public func phone(_ id: String) -> Phone? { phones.first { $0.id == id } }

    /// Reads the JSON; a phone's `phone_positions`, where given, are where its phone really was
    /// (a bag beside the agent) and replace the agent's positions.
    public static func parse(_ data: Data, file: String) throws(FieldDataError) -> TrialSetup {
        struct Raw: Decodable {
            struct Agent: Decodable {
                var id: String
                var positions: [[Double]]?
                var transition_mins: [Int]?
                var phone_positions: [[Double]]?
            }
            struct Phone: Decodable {
                var id: String
                var model: String?
                var time_offset: Double?
            }
            var title: String?
            var agents: [Agent]
            var phones: [Phone]
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw FieldDataError(file: file, "not a setup file: \(error)")
        }
        var agents: [Agent] = []
        for agent in raw.agents {
            let places = agent.phone_positions ?? agent.positions ?? []
            let minutes = agent.transition_mins ?? (places.isEmpty ? [] : [0])
            guard places.count == minutes.count, minutes == minutes.sorted(), minutes.allSatisfy({ (0...1440).contains($0) }) else {
                throw FieldDataError(file: file, "agent \(agent.id): expected one position per transition minute, minutes ascending in 0…1440")
            }
            var positions: [[Double]?] = []
            for place in places {
                if place.isEmpty { positions.append(nil); continue }
                guard (2...3).contains(place.count), place.allSatisfy({ $0.isFinite && abs($0) < 100_000 }) else {
                    throw FieldDataError(file: file, "agent \(agent.id): a position must be [x, y] or [x, y, z] in feet")
                }
                positions.append(place.count == 2 ? place + [0] : place)
            }
            agents.append(Agent(id: agent.id, positions: positions, transitionMinutes: minutes))
        }
        var phones: [Phone] = []
        for phone in raw.phones {
            let offset = phone.time_offset ?? 0
            guard offset.isFinite, abs(offset) <= 86_400 else {
                throw FieldDataError(file: file, "phone \(phone.id): time_offset must be seconds within a day")
            }
            phones.append(Phone(id: phone.id, model: phone.model ?? "?", timeOffset: offset))
        }
        return TrialSetup(title: raw.title ?? "", agents: agents, phones: phones)
    }
}
