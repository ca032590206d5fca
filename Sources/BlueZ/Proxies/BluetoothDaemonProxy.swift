import DBus

/// bluetoothd's root object (`/` of `org.bluez`): the object manager that lists adapters and devices.
struct BluetoothDaemonProxy: Sendable {
    let connection: DBusConnection
    var timeout: Duration = .seconds(10)

    /// Every object bluetoothd has, by path: interface name → that interface's properties.
    func managedObjects() async throws(DBusError) -> [String: [String: DBusValue]] {
        let reply = try await connection.call(DBusMethodCall(destination: BlueZNames.service, path: "/", interface: BlueZNames.objectManager,
                                                             member: "GetManagedObjects"), timeout: timeout)
        let objects = reply.first?.stringKeyedDictionary ?? [:]
        return objects.compactMapValues { $0.stringKeyedDictionary }
    }

    /// The adapters among them, sorted by name.
    func adapters() async throws(DBusError) -> [AdapterInfo] {
        try await managedObjects().compactMap { path, interfaces in AdapterInfo(path: path, interfaces: interfaces) }
            .sorted { $0.name < $1.name }
    }
}
