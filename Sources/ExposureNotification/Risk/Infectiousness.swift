/// How infectious the owner of a key is taken to have been on the key's day (GAEN's mapping of
/// days since symptom onset).
public enum Infectiousness: String, Hashable, Sendable, Codable, CaseIterable {
    /// Contributes nothing.
    case none
    case standard
    case high
}
