import DBus
/// Listing adapters, and explaining D-Bus failures to a person.
public enum BlueZAdapters {
    /// The adapters bluetoothd has, sorted by name.
    public static func list(_ connection: DBusConnection) async throws(DBusError) -> [AdapterInfo] {
        try await BluetoothDaemonProxy(connection: connection).adapters()
    }

    /// A one-line explanation of a D-Bus error a user can act on.
    public static func explain(_ error: DBusError) -> String {
        switch error.name {
        case DBusError.serviceUnknownName:
            "bluetoothd is not running (org.bluez is not on the system bus): install bluez and start it (systemctl start bluetooth)"
        case "org.freedesktop.DBus.Error.AccessDenied":
            "not allowed to talk to bluetoothd: run as root or as a user in the bluetooth group (\(error.message))"
        case "org.freedesktop.DBus.Error.Disconnected", "org.freedesktop.DBus.Error.FileNotFound", "org.freedesktop.DBus.Error.NoServer":
            "cannot reach the system bus (\(error.message)): is dbus running?"
        default:
            "bluetoothd: \(error)"
        }
    }
}
