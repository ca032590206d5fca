/// A key from a diagnosis-key file that matched stored sightings, with the sightings it matched.
public struct KeyMatch: Hashable, Sendable {
    /// One matched sighting.
    public struct Hit: Hashable, Sendable {
        /// Position of the sighting in the `SightingTable` that was matched.
        public var sightingIndex: Int
        /// The interval of the key's RPI that the sighting carried.
        public var interval: ENIntervalNumber
        /// The sighting's metadata, decrypted with the key's AEMK and within bounds.
        public var metadata: AssociatedMetadata
    }

    public var key: TemporaryExposureKey
    /// Whether the key came from a file's `revised_keys`.
    public var revised: Bool
    public var hits: [Hit]
    /// Sightings whose RPI matched but whose decrypted metadata was out of bounds (dropped).
    public var invalidMetadata: Int
}
