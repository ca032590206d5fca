import AgentTime
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
        /// TX power to advertise when neither bluetoothd nor the controller says (dBm).
        public var configuredTxPower: Int8
        public var mainConfPath: String
        /// Scan passively through AdvertisementMonitorManager1 where bluetoothd offers it
        /// (experimental interfaces): no SCAN_REQ leaves the radio. Off by default: through a monitor
        /// bluetoothd signals a device only when something about it changes, so an RPI heard at a
        /// constant RSSI gives one sighting per identifier rather than one per scan window
        /// (measured on the real stack: 3 sightings in 30 s where discovery gave 13).
        public var passiveScanning: Bool

        public init(adapter: String? = nil, schedule: RadioSchedule.Configuration = .init(),
                    advertisingInterval: ClosedRange<UInt32> = 200...270, configuredTxPower: Int8 = 0,
                    mainConfPath: String = "/etc/bluetooth/main.conf", passiveScanning: Bool = false) {
            self.passiveScanning = passiveScanning
            self.adapter = adapter
            self.schedule = schedule
            self.advertisingInterval = advertisingInterval
            self.configuredTxPower = configuredTxPower
            self.mainConfPath = mainConfPath
        }
    }

    /// The advertisement for an interval, given the TX power to put in its metadata.
    public typealias IdentifierSource = @Sendable (ENIntervalNumber, Int8) -> AdvertisementPayload

    private enum Input: Sendable {
        case tick
        case signal(DBusMessage)
        case report(DBusMessage)
    }

    /// Device reports queued but not yet taken in. A flood (anyone can broadcast) beyond
    /// `maximumBacklog` is dropped and counted rather than held in memory.
    private final class Backlog: Sendable {
        let queued = Atomic<Int>(0)
        let dropped = Atomic<Int>(0)
    }

    private nonisolated let backlog = Backlog()
    public static let maximumBacklog = 20_000

    private let connection: DBusConnection
    private let configuration: Configuration
    private let clock: AgentClock
    private let identifiers: IdentifierSource
    /// One array per scan window (possibly empty).
    public nonisolated let sightings: AsyncStream<[Sighting]>
    private let sightingsContinuation: AsyncStream<[Sighting]>.Continuation
    private var schedule: RadioSchedule
    private var adapter: AdapterInfo?
    private var window: ScanWindow
    private var serviceData: [String: AdvertisementPayload] = [:]
    private var advertisement: AdvertisementObject?
    private var advertisementCounter = 0
    private var lastRotation: Double?
    private var hciTxPower: Int8?
    private var learnedTxPower: Int8?
    private var currentStatus = RadioStatus()
    private var monitor: MonitorApplication?
    /// Whether the current scan runs through a monitor (passive) rather than discovery.
    private var monitorRegistered = false
    private var events: [String] = []
    private let onEvent: (@Sendable (String) -> Void)?
    /// The reason last reported for advertising being off (nil: on air).
    private var reportedQuiet: RadioSchedule.Quiet?
    private var hasBeenOnAir = false
    private var timer: DeadlineTimer?

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
        window = ScanWindow(adapter: 0, defaultSpan: configuration.schedule.scanPeriod)
        (sightings, sightingsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
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
                    guard message.interface == BlueZNames.properties, message.path?.contains("/dev_") == true else {
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
        timer.arm(schedule.nextDeadline)
        for await input in inputs {
            if Task.isCancelled || !connection.isConnected { break }
            switch input {
            case .tick: await apply(schedule.handle(.tick(clock.now())))
            case .signal(let message):
                // bluetoothd's signals change the schedule's state, which it stamps with its clock:
                // move that clock first (the timer alone may not have for up to a minute).
                await apply(schedule.handle(.tick(clock.now())))
                await handle(message)
            case .report(let message):
                backlog.queued.subtract(1, ordering: .relaxed)
                await handle(message)
            }
            timer.arm(schedule.nextDeadline)
        }
        // Cleaning up must not be cancelled with the task that ran us: do it in a task of its own.
        await Task { await self.shutDown() }.value
        feed.finish()
        sightingsContinuation.finish()
    }

    // MARK: - bluetoothd's objects

    /// Reads bluetoothd's objects and (re)selects the adapter.
    private func refresh() async {
        let objects: [String: DBusValue]
        do {
            let reply = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: "/", interface: BlueZNames.objectManager,
                                                                 member: "GetManagedObjects"), timeout: .seconds(10))
            objects = reply.first?.stringKeyedDictionary ?? [:]
        } catch {
            adapterLost(reason: error.name == DBusError.serviceUnknownName ? "bluetoothd is not running" : "bluetoothd: \(error)")
            return
        }
        let adapters = objects.compactMap { path, interfaces in
            interfaces.stringKeyedDictionary.flatMap { AdapterInfo(path: path, interfaces: $0) }
        }.sorted { $0.name < $1.name }
        guard let chosen = adapters.first(where: { $0.matches(configuration.adapter) }) else {
            adapterLost(reason: configuration.adapter.map { "no adapter \($0)" } ?? "no Bluetooth adapter")
            return
        }
        if let current = adapter, current.path == chosen.path {
            // Already set up on this adapter (a repeated InterfacesAdded): only follow its state.
            adapter = chosen
            currentStatus.powered = chosen.powered
            await apply(schedule.handle(.powered(chosen.powered)))
            await apply(schedule.handle(.discoverable(chosen.discoverable)))
            return
        }
        adapter = chosen
        currentStatus.lastError = nil
        window = ScanWindow(adapter: UInt8(clamping: Int(chosen.name.dropFirst(3)) ?? 0), defaultSpan: configuration.schedule.scanPeriod)
        serviceData = [:]
        currentStatus.adapter = chosen.name
        currentStatus.powered = chosen.powered
        currentStatus.extendedAdvertising = chosen.extendedAdvertising
        currentStatus.passiveScanning = chosen.passiveScanning && configuration.passiveScanning
        monitorRegistered = false
        currentStatus.advertisingInterval = chosen.honoursAdvertisingIntervals
            ? "\(configuration.advertisingInterval.lowerBound)–\(configuration.advertisingInterval.upperBound) ms (requested, honoured)"
            : chosen.extendedAdvertising
                ? "1280 ms (kernel default: bluetoothd without experimental interfaces ignores the requested \(configuration.advertisingInterval.lowerBound)–\(configuration.advertisingInterval.upperBound) ms)"
                : "100–150 ms (legacy controller: requested intervals are not used)"
        if !chosen.extendedAdvertising, let index = Int32(chosen.name.dropFirst(3)) {
            switch await OffPool.run({ HCITxPower.read(adapterIndex: index) }) {
            case .success(let power): hciTxPower = power
            case .failure(let error): note("TX power over HCI unavailable (\(error)); using the configured value")
            }
            // The adapter may have gone (or another been chosen) while the controller was asked.
            guard adapter?.path == chosen.path else { return }
        }
        await apply(schedule.handle(.tick(clock.now())))
        await apply(schedule.handle(.adapterAvailable(powered: chosen.powered, discoverable: chosen.discoverable)))
    }

    private func adapterLost(reason: String) {
        if adapter != nil || currentStatus.lastError != reason { note(reason) }
        adapter = nil
        advertisement.map { connection.unexport(path: $0.path) }
        advertisement = nil
        currentStatus.adapter = nil
        currentStatus.powered = false
        currentStatus.lastError = reason
        for action in schedule.handle(.adapterGone) where action == .discardScanWindow { window.discard() }
    }

    private func handle(_ message: DBusMessage) async {
        switch (message.interface, message.member) {
        case (BlueZNames.bus, "NameOwnerChanged"):
            let newOwner = message.arguments.count > 2 ? message.arguments[2].string ?? "" : ""
            if newOwner.isEmpty {
                adapterLost(reason: "bluetoothd stopped")
            } else {
                note("bluetoothd started")
                await refresh()
            }
        case (BlueZNames.objectManager, "InterfacesAdded"):
            guard let path = message.arguments.first?.string, let interfaces = message.arguments.dropFirst().first?.stringKeyedDictionary else { return }
            if interfaces[BlueZNames.adapter] != nil, adapter == nil || adapter?.path == path {
                await refresh()
            } else if let device = interfaces[BlueZNames.device]?.stringKeyedDictionary {
                deviceReport(path: path, properties: device)
            }
        case (BlueZNames.objectManager, "InterfacesRemoved"):
            guard let path = message.arguments.first?.string, let removed = message.arguments.dropFirst().first?.stringArray else { return }
            if path == adapter?.path && removed.contains(BlueZNames.adapter) {
                adapterLost(reason: "adapter \(adapter?.name ?? path) was removed")
            } else if removed.contains(BlueZNames.device) {
                serviceData[path] = nil
            }
        case (BlueZNames.properties, "PropertiesChanged"):
            guard let path = message.path, let interface = message.arguments.first?.string,
                  let changed = message.arguments.dropFirst().first?.stringKeyedDictionary else { return }
            if interface == BlueZNames.adapter, path == adapter?.path {
                if let powered = changed["Powered"]?.bool {
                    currentStatus.powered = powered
                    note(powered ? "adapter powered on" : "adapter powered off")
                    await apply(schedule.handle(.powered(powered)))
                }
                if let discoverable = changed["Discoverable"]?.bool {
                    await apply(schedule.handle(.discoverable(discoverable)))
                }
            } else if interface == BlueZNames.device {
                deviceReport(path: path, properties: changed)
            }
        default:
            break
        }
    }

    /// One advertising report from a device object of our adapter: keyed by the RPI it carries.
    private func deviceReport(path: String, properties: [String: DBusValue]) {
        guard let adapter, path.hasPrefix(adapter.path + "/") else { return }
        if let data = properties["ServiceData"]?.stringKeyedDictionary,
           let bytes = data.first(where: { $0.key.lowercased() == AdvertisementPayload.serviceUUIDString || $0.key.lowercased() == "fd6f" })?.value.byteArray {
            serviceData[path] = try? AdvertisementPayload(serviceData: bytes)
        }
        guard schedule.isScanning, let rssi = properties["RSSI"]?.integer, let payload = serviceData[path] else { return }
        window.report(payload, rssi: rssi)
        currentStatus.reports += 1
    }

    // MARK: - Performing the schedule's actions

    private func apply(_ actions: [RadioSchedule.Action]) async {
        for action in actions {
            let outcome: RadioSchedule.Event?
            switch action {
            case .register(let interval): outcome = await register(interval)
            case .unregister: outcome = await unregister()
            case .startDiscovery: outcome = await startDiscovery()
            case .stopDiscovery: outcome = await stopDiscovery()
            case .closeScanWindow:
                let batch = window.close()
                currentStatus.scanWindows += 1
                currentStatus.sightings += batch.count
                currentStatus.lastScanAt = clock.now()
                sightingsContinuation.yield(batch)
                outcome = nil
            case .discardScanWindow:
                window.discard()
                outcome = nil
            }
            if let outcome { await apply(schedule.handle(outcome)) }
        }
        reportQuietChange()
    }

    /// Says so when advertising stops for a reason the user can act on, and when it is back.
    /// (Rotations and start-up are quiet moments by design: not reported.)
    private func reportQuietChange() {
        let quiet = schedule.quietReason
        if quiet == .rotating || quiet == .starting || quiet == reportedQuiet { return }
        // Before the first advert, a missing adapter is start-up (and `run` says so if it persists).
        if quiet == .adapterMissing && !hasBeenOnAir { return }
        if quiet == nil { hasBeenOnAir = true }
        if let quiet {
            note("advertising suspended: \(quiet.rawValue)")
        } else if reportedQuiet != nil {
            note("advertising on air again")
        }
        reportedQuiet = quiet
    }

    private var txPower: (Int8, RadioStatus.TxPowerSource) {
        if let learnedTxPower { return (learnedTxPower, .bluetoothd) }
        if let hciTxPower { return (hciTxPower, .hci) }
        return (configuration.configuredTxPower, .configuration)
    }

    private func register(_ interval: ENIntervalNumber) async -> RadioSchedule.Event {
        guard let adapter else { return .registrationFailed("no adapter") }
        let (power, source) = txPower
        advertisementCounter += 1
        let object = AdvertisementObject(path: "\(BlueZNames.applicationRoot)/advertisement\(advertisementCounter)",
                                         payload: identifiers(interval, power), interval: configuration.advertisingInterval)
        do {
            try connection.export(object, at: object.path)
            _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.advertisingManager,
                                                         member: "RegisterAdvertisement", arguments: [.objectPath(object.path), .properties([:])]),
                                          timeout: .seconds(10))
        } catch {
            connection.unexport(path: object.path)
            let reason = "RegisterAdvertisement on \(adapter.name) failed: \(error) (\(currentStatus.platform))"
            note(reason)
            return .registrationFailed(reason)
        }
        advertisement = object
        lastRotation = clock.now()
        currentStatus.rotations += 1
        currentStatus.txPower = power
        currentStatus.txPowerSource = source
        // bluetoothd sets TxPower during registration on extended controllers: use it from the next interval on.
        if let reported = object.txPower, let value = Int8(exactly: reported) { learnedTxPower = value }
        return .registered(interval: interval)
    }

    private func unregister() async -> RadioSchedule.Event {
        guard let current = advertisement else { return .unregistered }
        if let adapter {
            do {
                _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.advertisingManager,
                                                             member: "UnregisterAdvertisement", arguments: [.objectPath(current.path)]),
                                              timeout: .seconds(10))
            } catch {
                // DoesNotExist after a power cycle or restart: it is gone either way.
            }
        }
        connection.unexport(path: current.path)
        advertisement = nil
        return .unregistered
    }

    private func startDiscovery() async -> RadioSchedule.Event {
        guard let adapter else { return .discoveryFailed("no adapter") }
        window.open(at: clock.now())
        if currentStatus.passiveScanning {
            if await registerMonitor(on: adapter) { return .discoveryStarted }
            // A monitor that bluetoothd refuses: fall back to discovery from now on.
            currentStatus.passiveScanning = false
        }
        let filter = DBusValue.properties([
            "Transport": .string("le"), "UUIDs": .strings([AdvertisementPayload.serviceUUIDString]),
            "DuplicateData": .boolean(true), "RSSI": .int16(-127),
        ])
        do {
            _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.adapter,
                                                         member: "SetDiscoveryFilter", arguments: [filter]), timeout: .seconds(10))
            _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.adapter,
                                                         member: "StartDiscovery"), timeout: .seconds(10))
        } catch where error.name == "org.bluez.Error.InProgress" {
            return .discoveryStarted
        } catch {
            let reason = "StartDiscovery on \(adapter.name) failed: \(error)"
            note(reason)
            return .discoveryFailed(reason)
        }
        return .discoveryStarted
    }

    private func stopDiscovery() async -> RadioSchedule.Event {
        if monitorRegistered, let adapter {
            _ = try? await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.monitorManager,
                                                          member: "UnregisterMonitor", arguments: [.objectPath(MonitorApplication.rootPath)]),
                                           timeout: .seconds(10))
            monitorRegistered = false
            return .discoveryStopped
        }
        if let adapter {
            _ = try? await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.adapter,
                                                          member: "StopDiscovery"), timeout: .seconds(10))
        }
        return .discoveryStopped
    }

    /// Registers the passive-scanning monitor (bluetoothd reads our objects before it replies).
    private func registerMonitor(on adapter: AdapterInfo) async -> Bool {
        let application = monitor ?? MonitorApplication()
        monitor = application
        do {
            try connection.export(application, at: MonitorApplication.rootPath)
            try connection.export(application, at: MonitorApplication.monitorPath)
            _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: adapter.path, interface: BlueZNames.monitorManager,
                                                         member: "RegisterMonitor", arguments: [.objectPath(MonitorApplication.rootPath)]),
                                          timeout: .seconds(10))
            monitorRegistered = true
            return true
        } catch {
            note("passive scanning unavailable (RegisterMonitor on \(adapter.name): \(error)); scanning with discovery")
            return false
        }
    }

    private func shutDown() async {
        if schedule.isScanning { _ = await stopDiscovery() }
        _ = await unregister()
    }

    // MARK: - Events for the journal

    private func note(_ event: String) {
        onEvent?(event)
        events.append(event)
        if events.count > 100 { events.removeFirst(events.count - 100) }
    }

    /// Recent radio events (adapter changes, failures), oldest first. Never contains identifiers.
    public var recentEvents: [String] { events }
}
