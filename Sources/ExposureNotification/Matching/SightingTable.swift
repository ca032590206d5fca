/// The sightings the matcher searches, in one contiguous array. The contact store fills it in one
/// pass from its rows (the only copy); the matcher indexes it by position and never copies it.
public struct SightingTable: Sendable {
    public private(set) var sightings: [Sighting]

    public init(_ sightings: [Sighting] = []) { self.sightings = sightings }

    public init(minimumCapacity: Int) {
        sightings = []
        sightings.reserveCapacity(minimumCapacity)
    }

    public mutating func append(_ sighting: Sighting) { sightings.append(sighting) }

    public var count: Int { sightings.count }
    public var isEmpty: Bool { sightings.isEmpty }

    public subscript(index: Int) -> Sighting { sightings[index] }
}
