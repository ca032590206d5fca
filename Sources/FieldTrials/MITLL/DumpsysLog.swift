/// A MITLL-UA phone's reduced `dumpsys` log: its calibration flags, the RPIs it advertised (with
/// the TX power of their metadata) and its sighting records — per RPI heard, each scan that heard it
/// with the RSSI of every packet.
public struct DumpsysLog: Hashable, Sendable {
    public struct Advertisement: Hashable, Sendable {
        /// 32 upper-case hex digits.
        public var rpi: String
        /// dBm, from the metadata (`txPower=`): what a receiver subtracts RSSI from.
        public var txPower: Int
    }

    public struct Scan: Hashable, Sendable {
        /// Unix seconds of the scan's start.
        public var start: Int64
        /// The scan's length in seconds; nil where the log writes `(?s)`.
        public var lengthSeconds: Int?
        /// dBm, one per packet heard, in the order heard; never empty.
        public var rssi: [Int]
    }

    public struct Sighting: Hashable, Sendable {
        public var rpi: String
        public var scans: [Scan]
    }

    /// `rssi_offset`: the receiver's RSSI correction (dB added to each RSSI); nil when not logged (iPhones).
    public var rssiOffset: Int?
    /// `tx_calibration_power`: the TX power the phone puts in its own metadata; nil when not logged.
    public var txCalibrationPower: Int?
    public var advertisements: [Advertisement]
    /// Advertisement records whose RPI the trial replaced by `fake`: not usable, only counted.
    public var fakeAdvertisements: Int
    public var sightings: [Sighting]
    /// RSSI readings out of −127…20 dBm (one `66` among `-6x` in the real logs: a lost minus sign
    /// or a glitch): dropped from their scan, only counted; a scan left with none is dropped.
    public var discardedReadings = 0
    /// The UTC offsets (seconds) its scan times are written in.
    public var utcOffsets: Set<Int> = []

    public init(rssiOffset: Int? = nil, txCalibrationPower: Int? = nil, advertisements: [Advertisement] = [],
                fakeAdvertisements: Int = 0, sightings: [Sighting] = []) {
        self.rssiOffset = rssiOffset
        self.txCalibrationPower = txCalibrationPower
        self.advertisements = advertisements
        self.fakeAdvertisements = fakeAdvertisements
        self.sightings = sightings
    }
}
