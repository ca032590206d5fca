import AgentTime
import DBus
import ExposureNotification
import Foundation

/// Following bluetoothd: which adapter to use, its power and discoverable state, bluetoothd
/// stopping and starting, and device reports turned into scan-window entries.
extension RadioAgent {
    /// Reads bluetoothd's objects and (re)selects the adapter.
    func refresh() async {
        lastAdapterCheck = clock.now()
        let adapters: [AdapterInfo]
        do {
            adapters = try await BluetoothDaemonProxy(connection: connection).adapters()
        } catch {
            adapterLost(reason: error.name == DBusError.serviceUnknownName ? "bluetoothd is not running" : "bluetoothd: \(error)")
            return
        }
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
        window = ScanWindow(adapter: UInt8(clamping: Int(chosen.name.dropFirst(3)) ?? 0), defaultSpan: configuration.schedule.scanPeriod,
                            keepsPackets: configuration.keepsPackets)
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
            case .success(let power): currentStatus.controllerTxPower = power
            case .failure(let error): note("the controller's TX power over HCI is unavailable (\(error)); it is only shown, never advertised")
            }
            // The adapter may have gone (or another been chosen) while the controller was asked.
            guard adapter?.path == chosen.path else { return }
        }
        await apply(schedule.handle(.tick(clock.now())))
        await apply(schedule.handle(.adapterAvailable(powered: chosen.powered, discoverable: chosen.discoverable)))
    }

    private func adapterLost(reason: String) {
        if adapter != nil || currentStatus.lastError != reason { note(reason) }
        // Whatever said the adapter went, ask it to stop: if it is still there (a bluetoothd that
        // came back, a wrong report), it must not keep advertising our last identifier as a fixed
        // beacon or keep scanning. Errors (bluetoothd gone) are expected and ignored.
        if let lost = adapter {
            let proxy = AdapterProxy(connection: connection, path: lost.path)
            let registered = advertisement?.path
            Task {
                if let registered { try? await proxy.unregisterAdvertisement(registered) }
                try? await proxy.stopDiscovery()
            }
        }
        adapter = nil
        advertisement.map { connection.unexport(path: $0.path) }
        advertisement = nil
        currentStatus.adapter = nil
        currentStatus.powered = false
        currentStatus.lastError = reason
        for action in schedule.handle(.adapterGone) where action == .discardScanWindow { window.discard() }
    }

    func handle(_ message: DBusMessage) async {
        switch BlueZEvent(message) {
        case .daemonStopped:
            adapterLost(reason: "bluetoothd stopped")
        case .daemonStarted:
            note("bluetoothd started")
            await refresh()
        case .interfacesAdded(let path, let interfaces):
            if interfaces[BlueZNames.adapter] != nil, adapter == nil || adapter?.path == path {
                await refresh()
            } else if let device = interfaces[BlueZNames.device]?.stringKeyedDictionary {
                deviceReport(path: path, properties: device)
            }
        case .interfacesRemoved(let path, let removed):
            if path == adapter?.path && removed.contains(BlueZNames.adapter) {
                adapterLost(reason: "adapter \(adapter?.name ?? path) was removed")
            } else if removed.contains(BlueZNames.device) {
                serviceData[path] = nil
            }
        case .propertiesChanged(let path, let interface, let changed):
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
        case nil:
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
        if configuration.reportsAdverts {
            advertsContinuation.yield(HeardAdvert(time: clock.now(), payload: payload, rssi: rssi, adapter: adapter.name))
        }
    }
}
