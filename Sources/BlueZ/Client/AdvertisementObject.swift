import DBus
import ExposureNotification
import Synchronization

/// Our `org.bluez.LEAdvertisement1` object: a non-connectable broadcast of the 0xFD6F service data.
/// bluetoothd reads it with GetAll while we register it, may Set `TxPower` on it (extended
/// controllers), and calls Release when it drops it. Served on the connection's thread.
final class AdvertisementObject: DBusExportedObject {
    let path: String
    let payload: AdvertisementPayload
    /// Requested advertising interval (ms); honoured by bluetoothd only with experimental interfaces.
    let interval: ClosedRange<UInt32>
    private let state = Mutex<(txPower: Int16?, released: Bool)>((nil, false))

    init(path: String, payload: AdvertisementPayload, interval: ClosedRange<UInt32>) {
        self.path = path
        self.payload = payload
        self.interval = interval
    }

    /// The TX power bluetoothd chose for this advertisement, if it said.
    var txPower: Int16? { state.withLock { $0.txPower } }
    var released: Bool { state.withLock { $0.released } }

    var properties: [String: DBusValue] {
        [
            "Type": .string("broadcast"),
            "ServiceUUIDs": .strings([AdvertisementPayload.serviceUUIDString]),
            "ServiceData": .properties([AdvertisementPayload.serviceUUIDString: .bytes(payload.serviceData)]),
            "MinInterval": .uint32(interval.lowerBound),
            "MaxInterval": .uint32(interval.upperBound),
        ]
    }

    func handle(_ call: DBusMessage) -> DBusReply {
        switch (call.interface, call.member) {
        case (BlueZNames.properties, "GetAll"):
            guard call.arguments.first?.string == BlueZNames.advertisement else { return .values([.properties([:])]) }
            return .values([.properties(properties)])
        case (BlueZNames.properties, "Get"):
            guard call.arguments.first?.string == BlueZNames.advertisement, let name = call.arguments.dropFirst().first?.string,
                  let value = properties[name] else {
                return .error(DBusError(name: DBusError.invalidArgsName, message: "no such property"))
            }
            return .values([.variant(value)])
        case (BlueZNames.properties, "Set"):
            if call.arguments.first?.string == BlueZNames.advertisement, call.arguments.dropFirst().first?.string == "TxPower",
               let power = call.arguments.dropFirst(2).first?.integer, let value = Int16(exactly: power) {
                state.withLock { $0.txPower = value }
                return .empty
            }
            return .error(DBusError(name: "org.freedesktop.DBus.Error.PropertyReadOnly", message: "read-only property"))
        case (BlueZNames.advertisement, "Release"):
            state.withLock { $0.released = true }
            return .empty
        case (BlueZNames.introspectable, "Introspect"):
            return .values([.string(Self.introspection)])
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(call.interface ?? "").\(call.member ?? "") is not implemented"))
        }
    }

    static let introspection = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        <node><interface name="org.bluez.LEAdvertisement1"><method name="Release"/>
        <property name="Type" type="s" access="read"/><property name="ServiceUUIDs" type="as" access="read"/>
        <property name="ServiceData" type="a{sv}" access="read"/><property name="MinInterval" type="u" access="read"/>
        <property name="MaxInterval" type="u" access="read"/><property name="TxPower" type="n" access="readwrite"/></interface>
        <interface name="org.freedesktop.DBus.Properties"><method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/></method>
        <method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/></method>
        <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="in"/></method></interface></node>
        """
}
