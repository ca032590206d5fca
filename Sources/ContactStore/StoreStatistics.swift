import ExposureNotification

/// What `bleagent store stats` shows. Read from the clear per-day counts: no key needed.
public struct StoreStatistics: Hashable, Sendable {
    public struct Day: Hashable, Sendable {
        public var day: ExposureDay
        public var sightings: Int
        /// Distinct RPIs recorded that day.
        public var rpis: Int
        /// New RPIs refused because the day had reached the cap (a flood of random beacons).
        public var dropped: Int
    }

    public var days: [Day]
    public var sizeOnDisk: Int
    /// Seconds since the start of the hour of the oldest record still held; nil when nothing is held.
    public var oldestRecordAge: Int64?
    public var epochsHeld: Int
    public var chunks: Int
    public var rpiCapPerDay: Int?
    /// Acknowledged records found lost at an open in the last 14 days (the mark is in the clear).
    public var durabilityLoss: ContactStore.DurabilityLoss?

    public var totalSightings: Int { days.reduce(0) { $0 + $1.sightings } }
    public var totalDropped: Int { days.reduce(0) { $0 + $1.dropped } }
}
