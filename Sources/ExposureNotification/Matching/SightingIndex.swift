/// The matcher's index over a `SightingTable`: one `DayPartition` per UTC day that has sightings
/// (each also holding the 12 intervals on either side of its day). Immutable once built, shared
/// by all matcher threads; memory follows the number of sightings, never the number of keys.
public final class SightingIndex: Sendable {
    public let table: SightingTable
    let partitions: [Int32: DayPartition]

    /// Intervals either side of an RPI's own interval in which a sighting of it still counts.
    public static let toleranceIntervals: UInt32 = 12

    public init(table: SightingTable) {
        self.table = table
        var byDay: [Int32: [UInt32]] = [:]
        let perDay = UInt32(ENIntervalNumber.intervalsPerDay)
        for (position, sighting) in table.sightings.enumerated() {
            guard let interval = sighting.interval?.rawValue else { continue }
            let day = interval / perDay
            byDay[Int32(day), default: []].append(UInt32(position))
            if interval % perDay < Self.toleranceIntervals, day > 0 {
                byDay[Int32(day - 1), default: []].append(UInt32(position))
            }
            if interval % perDay >= perDay - Self.toleranceIntervals {
                byDay[Int32(day + 1), default: []].append(UInt32(position))
            }
        }
        let seeds = DayPartition.Seeds.random()
        partitions = byDay.mapValues { DayPartition(indices: $0, sightings: table.sightings, seeds: seeds) }
    }

    /// The partition searched for RPIs of intervals in `day`.
    @inline(__always)
    func partition(forDay day: UInt32) -> DayPartition? { partitions[Int32(truncatingIfNeeded: day)] }

    /// Size figures for status output and benchmarks.
    public struct Statistics: Sendable {
        public var sightings: Int
        public var days: Int
        public var indexedEntries: Int
        public var filterBytes: Int
    }

    public var statistics: Statistics {
        Statistics(sightings: table.count, days: partitions.count,
                   indexedEntries: partitions.values.reduce(0) { $0 + $1.members.count },
                   filterBytes: partitions.values.reduce(0) { $0 + $1.filterBytes })
    }
}
