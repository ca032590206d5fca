import AgentTime
import DBus
import ExposureNotification
import Foundation
import Synchronization

/// Advertises rotating identifiers and scans on one adapter through bluetoothd's D-Bus API, for
/// as long as `run()` runs. Decisions come from `RadioSchedule`; this actor performs them and feeds
/// their outcomes back, follows bluetoothd (restarts, adapters coming and going, power, discoverable)
/// and turns advertising reports into sightings, one batch per scan window.
public actor RadioAgent {
    public struct Configuration: Sendable {
        /// `hci0`, or an adapter address; nil takes the first adapter.
        public var adapter: String?
        public var schedule: RadioSchedule.Configuration
        /// Requested advertising interval in milliseconds (GAEN: 200–270).
        public var advertisingInterval: ClosedRange<UInt32>
        /// TX power put into the metadata (dBm): the radiated level calibrated against a reference
        /// (GAEN's definition), never the controller's conducted level, which reads far hotter
        /// (a Raspberry Pi's says +12 dBm; see README "Calibration").
        public var txPower: Int8
        /// Hand every GAEN advertising report to `adverts` as it arrives (`radio watch`, `radio
        /// calibrate`); off in the daemon, which needs only the per-window sightings.
        public var reportsAdverts: Bool
        public var mainConfPath: String
        /// Scan passively through AdvertisementMonitorManager1 where bluetoothd offers it
        /// (experimental interfaces): no SCAN_REQ leaves the radio. Off by default: through a monitor
        /// bluetoothd signals a device only when something about it changes, so an RPI heard at a
        /// constant RSSI gives one sighting per identifier rather than one per scan window
        /// (measured on the real stack: 3 sightings in 30 s where discovery gave 13).
        public var passiveScanning: Bool
        /// Keep every report's RSSI and hand each window's sightings with them to `detailedSightings`
        /// (`radio test --keep-packets`); off in the daemon, which stores max and mean only.
        public var keepsPackets = false

        public init(adapter: String? = nil, schedule: RadioSchedule.Configuration = .init(),
                    advertisingInterval: ClosedRange<UInt32> = 200...270, txPower: Int8 = 0,
                    mainConfPath: String = "/etc/bluetooth/main.conf", passiveScanning: Bool = false, reportsAdverts: Bool = false) {
            self.reportsAdverts = reportsAdverts
            self.passiveScanning = passiveScanning
            self.adapter = adapter
            self.schedule = schedule
            self.advertisingInterval = advertisingInterval
            self.txPower = txPower
            self.mainConfPath = mainConfPath
        }
    }

    /// The advertisement for an interval, given the TX power to put in its metadata.
    public typealias IdentifierSource = @Sendable (ENIntervalNumber, Int8) -> AdvertisementPayload

    enum Input: Sendable {
        case tick
        case signal(DBusMessage)
        case report(DBusMessage)
    }

    /// Device reports queued but not yet taken in. A flood (anyone can broadcast) beyond
    /// `maximumBacklog` is dropped and counted rather than held in memory.
    final class Backlog: Sendable {
        let queued = Atomic<Int>(0)
        let dropped = Atomic<Int>(0)
    }

    nonisolated let backlog = Backlog()
    public static let maximumBacklog = 20_000

    let connection: DBusConnection
    let configuration: Configuration
    let clock: AgentClock
    let identifiers: IdentifierSource
    /// One array per scan window (possibly empty).
    public nonisolated let sightings: AsyncStream<[Sighting]>
    let sightingsContinuation: AsyncStream<[Sighting]>.Continuation
    /// Every GAEN report heard while scanning, as it arrives, when `reportsAdverts` is set. Keeps
    /// the newest 4,096 if the reader falls behind.
    public nonisolated let adverts: AsyncStream<HeardAdvert>
    let advertsContinuation: AsyncStream<HeardAdvert>.Continuation
    /// The same windows with each report's RSSI, when `keepsPackets` is set (else never yields).
    public nonisolated let detailedSightings: AsyncStream<[ScanWindow.Detailed]>
    let detailedContinuation: AsyncStream<[ScanWindow.Detailed]>.Continuation
    var schedule: RadioSchedule
    var adapter: AdapterInfo?
    var window: ScanWindow
    var serviceData: [String: AdvertisementPayload] = [:]
    var advertisement: AdvertisementObject?
    var advertisementCounter = 0
    var lastRotation: Double?
    var currentStatus = RadioStatus()
    var monitor: MonitorApplication?
    /// Whether the current scan runs through a monitor (passive) rather than discovery.
    var monitorRegistered = false
    var events: [String] = []
    let onEvent: (@Sendable (String) -> Void)?
    /// The reason last reported for advertising being off (nil: on air).
    var reportedQuiet: RadioSchedule.Quiet?
    var hasBeenOnAir = false
    var timer: DeadlineTimer?
    /// When bluetoothd's adapters were last read (agent time): they are read again every
    /// `adapterCheckInterval` whatever the signals said, so a missed or refused signal cannot leave
    /// the agent without its adapter (or on one that is gone) for good.
    var lastAdapterCheck: Double = 0
    static let adapterCheckInterval: Double = 300

    /// `onEvent` hears every radio event (adapter changes, failures, advertising suspended and back),
    /// for the journal; never an identifier or an address.
    public init(connection: DBusConnection, configuration: Configuration = .init(), clock: AgentClock = .real,
                onEvent: (@Sendable (String) -> Void)? = nil, identifiers: @escaping IdentifierSource) {
        self.onEvent = onEvent
        self.connection = connection
        self.configuration = configuration
        self.clock = clock
        self.identifiers = identifiers
        var scheduleConfiguration = configuration.schedule
        // Scan windows are radio time: stretch them into simulated seconds when the clock runs fast.
        scheduleConfiguration.scanWindow = clock.simulatedSeconds(for: configuration.schedule.scanWindow)
        scheduleConfiguration.retryDelay = clock.simulatedSeconds(for: configuration.schedule.retryDelay)
        scheduleConfiguration.maximumRetryDelay = clock.simulatedSeconds(for: configuration.schedule.maximumRetryDelay)
        schedule = RadioSchedule(configuration: scheduleConfiguration)
        window = ScanWindow(adapter: 0, defaultSpan: configuration.schedule.scanPeriod, keepsPackets: configuration.keepsPackets)
        (sightings, sightingsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
        (adverts, advertsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
        (detailedSightings, detailedContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
        currentStatus.platform = "kernel \(Platform.kernelRelease())"
    }

    /// A snapshot for status output.
    public var status: RadioStatus {
        var status = currentStatus
        status.rotationAge = lastRotation.map { clock.now() - $0 }
        status.scanning = schedule.isScanning
        status.advertising = schedule.advertisedInterval != nil
        status.quietReason = schedule.quietReason?.rawValue
        status.lastError = schedule.lastError ?? currentStatus.lastError
        status.droppedReports = backlog.dropped.load(ordering: .relaxed)
        status.timerWakeUps = timer?.wakeUps ?? 0
        return status
    }

    /// Runs until the task is cancelled or the bus connection is lost. Unregisters on the way out.
    public func run() async throws(DBusError) {
        currentStatus.platform = await OffPool.run { Platform.summary }
        let (inputs, feed) = AsyncStream<Input>.makeStream(bufferingPolicy: .unbounded)
        var forwarders: [Task<Void, Never>] = []
        let rules = [
            DBusMatchRule(sender: BlueZNames.bus, interface: BlueZNames.bus, member: "NameOwnerChanged", arg0: BlueZNames.service),
            DBusMatchRule(sender: BlueZNames.service, interface: BlueZNames.objectManager),
            DBusMatchRule(sender: BlueZNames.service, interface: BlueZNames.properties, member: "PropertiesChanged"),
        ]
        for rule in rules {
            let stream = try await connection.signals(matching: rule)
            forwarders.append(Task { [backlog] in
                for await message in stream {
                    guard BlueZEvent.isDeviceReport(message) else {
                        feed.yield(.signal(message))
                        continue
                    }
                    if backlog.queued.add(1, ordering: .relaxed).newValue > Self.maximumBacklog {
                        backlog.queued.subtract(1, ordering: .relaxed)
                        backlog.dropped.add(1, ordering: .relaxed)
                    } else {
                        feed.yield(.report(message))
                    }
                }
            })
        }
        // No polling: the loop sleeps until the schedule's next deadline (or the next event).
        let timer = DeadlineTimer(clock: clock) { feed.yield(.tick) }
        self.timer = timer
        defer {
            timer.cancel()
            for forwarder in forwarders { forwarder.cancel() }
        }
        schedule.handle(.privacy(Platform.privacyEnabled(mainConf: configuration.mainConfPath))).forEach { _ in }
        await refresh()
        timer.arm(nextWake)
        for await input in inputs {
            if Task.isCancelled || !connection.isConnected { break }
            switch input {
            case .tick:
                if clock.now() - lastAdapterCheck >= Self.adapterCheckInterval { await refresh() }
                await apply(schedule.handle(.tick(clock.now())))
            case .signal(let message):
                // bluetoothd's signals change the schedule's state, which it stamps with its clock:
                // move that clock first (the timer alone may not have for up to a minute).
                await apply(schedule.handle(.tick(clock.now())))
                await handle(message)
            case .report(let message):
                backlog.queued.subtract(1, ordering: .relaxed)
                await handle(message)
            }
            timer.arm(nextWake)
        }
        // Cleaning up must not be cancelled with the task that ran us: do it in a task of its own.
        await Task { await self.shutDown() }.value
        feed.finish()
        sightingsContinuation.finish()
        advertsContinuation.finish()
        detailedContinuation.finish()
    }

    /// The schedule's next deadline, or the next adapter check if that comes first.
    var nextWake: Double {
        min(schedule.nextDeadline ?? .infinity, lastAdapterCheck + Self.adapterCheckInterval)
    }

    // MARK: - Events for the journal

    func note(_ event: String) {
        onEvent?(event)
        events.append(event)
        if events.count > 100 { events.removeFirst(events.count - 100) }
    }

    /// Recent radio events (adapter changes, failures), oldest first. Never contains identifiers.
    public var recentEvents: [String] { events }
}
