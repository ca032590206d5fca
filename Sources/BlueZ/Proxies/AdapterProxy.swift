import DBus

/// One adapter object of bluetoothd (`/org/bluez/hci0`) and the three interfaces the radio uses on
/// it: `Adapter1` (discovery), `LEAdvertisingManager1` and `AdvertisementMonitorManager1`
/// (BlueZ 5.66, doc/org.bluez.Adapter.rst and friends). Each method is one call; errors are
/// bluetoothd's, unchanged.
struct AdapterProxy: Sendable {
    let connection: DBusConnection
    let path: String
    var timeout: Duration = .seconds(10)

    func setDiscoveryFilter(_ filter: [String: DBusValue]) async throws(DBusError) {
        try await call(BlueZNames.adapter, "SetDiscoveryFilter", [.properties(filter)])
    }

    func startDiscovery() async throws(DBusError) {
        try await call(BlueZNames.adapter, "StartDiscovery")
    }

    func stopDiscovery() async throws(DBusError) {
        try await call(BlueZNames.adapter, "StopDiscovery")
    }

    /// bluetoothd reads the object at `advertisement` (GetAll) before it replies.
    func registerAdvertisement(_ advertisement: String) async throws(DBusError) {
        try await call(BlueZNames.advertisingManager, "RegisterAdvertisement", [.objectPath(advertisement), .properties([:])])
    }

    func unregisterAdvertisement(_ advertisement: String) async throws(DBusError) {
        try await call(BlueZNames.advertisingManager, "UnregisterAdvertisement", [.objectPath(advertisement)])
    }

    /// bluetoothd reads the monitors under `application` (GetManagedObjects) before it replies.
    func registerMonitor(_ application: String) async throws(DBusError) {
        try await call(BlueZNames.monitorManager, "RegisterMonitor", [.objectPath(application)])
    }

    func unregisterMonitor(_ application: String) async throws(DBusError) {
        try await call(BlueZNames.monitorManager, "UnregisterMonitor", [.objectPath(application)])
    }

    private func call(_ interface: String, _ member: String, _ arguments: [DBusValue] = []) async throws(DBusError) {
        _ = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: path, interface: interface,
                                                     member: member, arguments: arguments), timeout: timeout)
    }
}
