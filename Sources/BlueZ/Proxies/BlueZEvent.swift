import DBus

/// What one of bluetoothd's signals means to the radio. A pure decoder: a signal that is not one of
/// these, or is malformed, decodes to nil and is ignored.
enum BlueZEvent: Equatable, Sendable {
    /// `org.bluez` got an owner (bluetoothd started) or lost it (stopped).
    case daemonStarted
    case daemonStopped
    case interfacesAdded(path: String, interfaces: [String: DBusValue])
    case interfacesRemoved(path: String, interfaces: [String])
    case propertiesChanged(path: String, interface: String, changed: [String: DBusValue])

    init?(_ message: DBusMessage) {
        guard message.kind == .signal else { return nil }
        let arguments = message.arguments
        switch (message.interface, message.member) {
        case (BlueZNames.bus, "NameOwnerChanged"):
            guard arguments.count == 3, arguments[0].string == BlueZNames.service, let owner = arguments[2].string else { return nil }
            self = owner.isEmpty ? .daemonStopped : .daemonStarted
        case (BlueZNames.objectManager, "InterfacesAdded"):
            guard arguments.count == 2, let path = arguments[0].string, let interfaces = arguments[1].stringKeyedDictionary else { return nil }
            self = .interfacesAdded(path: path, interfaces: interfaces)
        case (BlueZNames.objectManager, "InterfacesRemoved"):
            guard arguments.count == 2, let path = arguments[0].string, let interfaces = arguments[1].stringArray else { return nil }
            self = .interfacesRemoved(path: path, interfaces: interfaces)
        case (BlueZNames.properties, "PropertiesChanged"):
            guard let path = message.path, arguments.count >= 2, let interface = arguments[0].string,
                  let changed = arguments[1].stringKeyedDictionary else { return nil }
            self = .propertiesChanged(path: path, interface: interface, changed: changed)
        default:
            return nil
        }
    }

    /// Whether a signal is a device's report (the flood-prone kind, queued with a bound).
    static func isDeviceReport(_ message: DBusMessage) -> Bool {
        message.interface == BlueZNames.properties && message.path?.contains("/dev_") == true
    }
}
