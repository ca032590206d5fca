import ExposureNotification

/// The one schedule of identifier rotation and scan windows, as a pure state machine: events in,
/// actions out; no clock, no bus. `RadioAgent` performs the actions and feeds their outcomes back.
///
/// Rules it keeps:
/// - The advertised RPI (and with it the advertisement, hence the random address) changes on a
///   randomized period between 10 and 20 minutes (uniform: 15 on average), as phones do: never an RPI
///   without a new address, and the RPI is that of the interval in which its period begins. Two
///   agents switched on together do not rotate in lockstep (an observer could follow both through
///   a shared boundary). Unregister, then register a fresh advertisement.
/// - Never rotate while our discovery runs (a legacy controller refuses the new random address
///   during a scan and would be left silent): stop discovery, rotate, confirm, then scan again.
/// - Scan for `scanWindow` every `scanPeriod`; a window interrupted by a rotation resumes after it.
/// - While the adapter is off, or bluetoothd is gone, nothing is recorded and nothing is attempted;
///   when it comes back everything is set up again (an extended controller drops its advert at
///   power-off without telling anyone, and a restarted bluetoothd knows nothing of ours).
/// - While the adapter is Discoverable (it then advertises its identity beside ours, linking our
///   rotating adverts to the device) our advertising is suspended, and the status says why.
/// - A failed registration is retried with backoff and reported; the adapter is never left silent
///   without a reported reason.
public struct RadioSchedule: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Seconds a scan window lasts (GAEN: about 4).
        public var scanWindow: Double
        /// Seconds from one scan window's start to the next (GAEN: 210–300).
        public var scanPeriod: Double
        /// First retry delay after a failure; doubles up to `maximumRetryDelay`.
        public var retryDelay: Double
        public var maximumRetryDelay: Double
        /// How long one identifier stays on air, drawn uniformly for each (seconds).
        public var rotationPeriod: ClosedRange<Double>

        public init(scanWindow: Double = 4, scanPeriod: Double = 240, retryDelay: Double = 1, maximumRetryDelay: Double = 30,
                    rotationPeriod: ClosedRange<Double> = 600...1_200) {
            self.scanWindow = scanWindow
            self.scanPeriod = scanPeriod
            self.retryDelay = retryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.rotationPeriod = rotationPeriod
        }
    }

    public enum Event: Sendable, Hashable {
        /// Time passed (unix seconds, fractional).
        case tick(Double)
        /// bluetoothd and our adapter exist (after start, or after bluetoothd came back).
        case adapterAvailable(powered: Bool, discoverable: Bool)
        case adapterGone
        case powered(Bool)
        case discoverable(Bool)
        /// bluetoothd runs with `Privacy` on: adverts would carry a resolvable private address.
        case privacy(Bool)
        case registered(interval: ENIntervalNumber)
        case registrationFailed(String)
        case unregistered
        case discoveryStarted
        case discoveryFailed(String)
        case discoveryStopped
    }

    public enum Action: Sendable, Hashable {
        /// Register a fresh advertisement carrying the identifiers of `interval`.
        case register(interval: ENIntervalNumber)
        case unregister
        case startDiscovery
        case stopDiscovery
        /// A scan window ended: turn what it heard into sightings (one per RPI).
        case closeScanWindow
        /// Forget partial scan data (the adapter went off mid-window: record nothing).
        case discardScanWindow
    }

    /// Why we are not advertising right now, if we are not.
    public enum Quiet: String, Sendable, Hashable {
        case starting = "starting"
        case adapterMissing = "adapter or bluetoothd not available"
        case poweredOff = "adapter powered off"
        case discoverable = "adapter is discoverable: it advertises its identity, which would link our identifiers to it"
        case privacy = "bluetoothd has Privacy on: our adverts would carry a resolvable address that paired devices can link"
        case rotating = "changing identifier and address"
        case failing = "registering the advertisement failed; retrying"
    }

    enum Advert: Equatable {
        case none
        case registering(ENIntervalNumber)
        case registered(ENIntervalNumber)
        case unregistering
    }

    enum Discovery: Equatable {
        case idle
        case starting
        case running
        case stopping
    }

    public let configuration: Configuration
    private(set) var now: Double = 0
    private(set) var available = false
    private(set) var powered = false
    private(set) var discoverable = false
    private(set) var privacy = false
    private(set) var advert: Advert = .none
    private(set) var discovery: Discovery = .idle
    /// When the current scan window ends (if one is open, whether or not discovery runs right now).
    private(set) var windowEnd: Double?
    private(set) var nextWindowStart: Double = 0
    private(set) var retryAt: Double?
    /// When the identifier on air is due to change.
    private(set) var rotationDue: Double?
    /// Draws each rotation period (SplitMix64: the schedule stays a value, and tests can seed it).
    private var randomState: UInt64
    private var failures = 0
    /// The last failure of advertising and of discovery, each cleared by its own next success.
    private var advertisingError: String?
    private var discoveryError: String?
    public var lastError: String? { advertisingError ?? discoveryError }

    public init(configuration: Configuration = Configuration(), seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.configuration = configuration
        self.randomState = seed
    }

    /// The next period, uniform in `configuration.rotationPeriod`.
    private mutating func drawRotationPeriod() -> Double {
        randomState &+= 0x9E37_79B9_7F4A_7C15
        var mixed = randomState
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        let unit = Double(mixed >> 11) / Double(1 << 53)
        let range = configuration.rotationPeriod
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    /// What is on air, for status.
    public var advertisedInterval: ENIntervalNumber? {
        if case .registered(let interval) = advert { return interval }
        return nil
    }

    public var isScanning: Bool { discovery == .running }

    public var quietReason: Quiet? {
        if advertisedInterval != nil { return nil }
        if !available { return .adapterMissing }
        if !powered { return .poweredOff }
        if discoverable { return .discoverable }
        if privacy { return .privacy }
        if advertisingError != nil { return .failing }
        if advert != .none { return .rotating }
        return .starting
    }

    /// The next time a `.tick` is needed, if any.
    public var nextDeadline: Double? {
        guard available && powered else { return nil }
        var candidates = [rotationDue ?? now + configuration.rotationPeriod.lowerBound]
        if let windowEnd { candidates.append(windowEnd) } else { candidates.append(nextWindowStart) }
        if let retryAt { candidates.append(retryAt) }
        return candidates.min()
    }

    public mutating func handle(_ event: Event) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick(let time):
            now = max(now, time)
        case .adapterAvailable(let isPowered, let isDiscoverable):
            available = true
            powered = isPowered
            discoverable = isDiscoverable
            advert = .none
            discovery = .idle
            windowEnd = nil
            nextWindowStart = now
            retryAt = nil
        case .adapterGone:
            if windowEnd != nil { actions.append(.discardScanWindow) }
            available = false
            advert = .none
            discovery = .idle
            windowEnd = nil
            return actions
        case .powered(let isPowered):
            guard isPowered != powered else { break }
            powered = isPowered
            if !isPowered {
                if windowEnd != nil { actions.append(.discardScanWindow) }
                windowEnd = nil
                discovery = .idle
                // The registration may survive in bluetoothd, but an extended controller stops sending
                // it: forget it, so it is registered afresh when power returns.
                if advert != .none { actions.append(.unregister) }
                advert = .none
                return actions
            }
            advert = .none
            nextWindowStart = now
            retryAt = nil
        case .discoverable(let isDiscoverable):
            discoverable = isDiscoverable
        case .privacy(let isOn):
            privacy = isOn
        case .registered(let interval):
            advert = .registered(interval)
            rotationDue = now + drawRotationPeriod()
            failures = 0
            advertisingError = nil
            retryAt = nil
        case .registrationFailed(let reason):
            advert = .none
            failures += 1
            advertisingError = reason
            retryAt = now + min(configuration.retryDelay * Double(1 << min(failures - 1, 10)), configuration.maximumRetryDelay)
        case .unregistered:
            if advert == .unregistering { advert = .none }
        case .discoveryStarted:
            if discovery == .starting { discovery = .running }
            discoveryError = nil
        case .discoveryFailed(let reason):
            discovery = .idle
            discoveryError = reason
            windowEnd = nil
            nextWindowStart = now + configuration.retryDelay * 2
        case .discoveryStopped:
            if discovery == .stopping || discovery == .running { discovery = .idle }
        }
        actions += decide()
        return actions
    }

    /// Given the state, what to do next. Only one change is in flight at a time.
    private mutating func decide() -> [Action] {
        guard available && powered else { return [] }
        var actions: [Action] = []
        // 1. Scan window bookkeeping.
        if let end = windowEnd, now >= end {
            windowEnd = nil
            nextWindowStart = max(nextWindowStart, end - configuration.scanWindow + configuration.scanPeriod)
            actions.append(.closeScanWindow)
            if discovery == .running {
                discovery = .stopping
                actions.append(.stopDiscovery)
                return actions
            }
        }
        if windowEnd == nil && now >= nextWindowStart {
            windowEnd = now + configuration.scanWindow
            nextWindowStart = now + configuration.scanPeriod
        }
        // 2. What should be on air? The current identifier until its period ends (or the clock moved
        // so far that it is no longer of the last 20 minutes); then that of the interval now.
        let current: ENIntervalNumber? = { if case .registered(let interval) = advert { interval } else { nil } }()
        let nowInterval = ENIntervalNumber(unixSeconds: Int64(now.rounded(.down)))
        let periodRuns: Bool = {
            guard let current, let nowInterval, let due = rotationDue, now < due else { return false }
            return current.rawValue <= nowInterval.rawValue && nowInterval.rawValue - current.rawValue <= 2
        }()
        let wanted: ENIntervalNumber? = discoverable || privacy ? nil : periodRuns ? current : nowInterval
        let settled = advert == .none || current != nil
        let needsChange = settled && current != wanted && !(current == nil && wanted == nil)
        let mayRetry = retryAt.map { now >= $0 } ?? true
        if needsChange && (current != nil || mayRetry) {
            // Identifiers change only with our discovery stopped.
            if discovery == .running || discovery == .starting {
                if discovery == .running {
                    discovery = .stopping
                    actions.append(.stopDiscovery)
                }
                return actions
            }
            guard discovery == .idle else { return actions }
            if current != nil {
                advert = .unregistering
                actions.append(.unregister)
                return actions
            }
            if let wanted {
                advert = .registering(wanted)
                actions.append(.register(interval: wanted))
                return actions
            }
        }
        // 3. Scan while a window is open and identifiers are settled.
        let advertSettled: Bool = {
            switch advert {
            case .none, .registered: true
            case .registering, .unregistering: false
            }
        }()
        if windowEnd != nil && discovery == .idle && advertSettled && !(needsChange && mayRetry) {
            discovery = .starting
            actions.append(.startDiscovery)
        }
        return actions
    }
}
