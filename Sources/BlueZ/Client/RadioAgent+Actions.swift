import AgentTime
import DBus
import ExposureNotification
import Foundation

/// Performing the radio schedule's actions on bluetoothd and feeding their outcomes back:
/// registering and unregistering advertisements, discovery or a passive monitor, scan windows.
extension RadioAgent {
    func apply(_ actions: [RadioSchedule.Action]) async {
        for action in actions {
            let outcome: RadioSchedule.Event?
            switch action {
            case .register(let interval): outcome = await register(interval)
            case .unregister: outcome = await unregister()
            case .startDiscovery: outcome = await startDiscovery()
            case .stopDiscovery: outcome = await stopDiscovery()
            case .closeScanWindow:
                let detailed = window.closeKeepingPackets()
                let batch = detailed.map(\.sighting)
                currentStatus.scanWindows += 1
                currentStatus.sightings += batch.count
                currentStatus.lastScanAt = clock.now()
                sightingsContinuation.yield(batch)
                if configuration.keepsPackets { detailedContinuation.yield(detailed) }
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

    private func register(_ interval: ENIntervalNumber) async -> RadioSchedule.Event {
        guard let adapter else { return .registrationFailed("no adapter") }
        let power = configuration.txPower
        advertisementCounter += 1
        let object = AdvertisementObject(path: "\(BlueZNames.applicationRoot)/advertisement\(advertisementCounter)",
                                         payload: identifiers(interval, power), interval: configuration.advertisingInterval)
        do {
            try connection.export(object, at: object.path)
            try await AdapterProxy(connection: connection, path: adapter.path).registerAdvertisement(object.path)
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
        // bluetoothd sets TxPower during registration on extended controllers: the controller's own
        // (conducted) level, shown in status, never advertised.
        if let reported = object.txPower, let value = Int8(exactly: reported) { currentStatus.controllerTxPower = value }
        return .registered(interval: interval)
    }

    private func unregister() async -> RadioSchedule.Event {
        guard let current = advertisement else { return .unregistered }
        if let adapter {
            do {
                try await AdapterProxy(connection: connection, path: adapter.path).unregisterAdvertisement(current.path)
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
        let filter: [String: DBusValue] = [
            "Transport": .string("le"), "UUIDs": .strings([AdvertisementPayload.serviceUUIDString]),
            "DuplicateData": .boolean(true), "RSSI": .int16(-127),
        ]
        do {
            let proxy = AdapterProxy(connection: connection, path: adapter.path)
            try await proxy.setDiscoveryFilter(filter)
            try await proxy.startDiscovery()
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
            try? await AdapterProxy(connection: connection, path: adapter.path).unregisterMonitor(MonitorApplication.rootPath)
            monitorRegistered = false
            return .discoveryStopped
        }
        if let adapter {
            try? await AdapterProxy(connection: connection, path: adapter.path).stopDiscovery()
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
            try await AdapterProxy(connection: connection, path: adapter.path).registerMonitor(MonitorApplication.rootPath)
            monitorRegistered = true
            return true
        } catch {
            note("passive scanning unavailable (RegisterMonitor on \(adapter.name): \(error)); scanning with discovery")
            return false
        }
    }

    func shutDown() async {
        if schedule.isScanning { _ = await stopDiscovery() }
        _ = await unregister()
    }
}
