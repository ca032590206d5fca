import DBus
import ExposureNotification
import Synchronization

/// Passive scanning through bluetoothd's AdvertisementMonitorManager1 (present only with
/// experimental interfaces): an application root (ObjectManager) holding one
/// `org.bluez.AdvertisementMonitor1` whose or-pattern matches 0xFD6F service data
/// (AD type 0x16 starting with the UUID 6F FD). bluetoothd reads the root with GetManagedObjects
/// while we register it; matching devices then report like discovered ones, without SCAN_REQs.
final class MonitorApplication: DBusExportedObject {
    static let rootPath = "\(BlueZNames.applicationRoot)/monitor"
    static let monitorPath = "\(rootPath)/fd6f"
    private let activated = Mutex(false)

    var isActive: Bool { activated.withLock { $0 } }

    static var monitorProperties: [String: DBusValue] {
        [
            "Type": .string("or_patterns"),
            "Patterns": .array(elementSignature: "(yyay)", [.structure([.byte(0), .byte(0x16), .bytes([0x6F, 0xFD])])]),
        ]
    }

    func handle(_ call: DBusMessage) -> DBusReply {
        switch (call.path, call.interface, call.member) {
        case (Self.rootPath, BlueZNames.objectManager, "GetManagedObjects"):
            let interfaces = DBusValue.dictionary(keySignature: "s", valueSignature: "a{sv}", [
                .init(.string(BlueZNames.monitor), .properties(Self.monitorProperties)),
            ])
            return .values([.dictionary(keySignature: "o", valueSignature: "a{sa{sv}}", [.init(.objectPath(Self.monitorPath), interfaces)])])
        case (Self.monitorPath, BlueZNames.properties, "GetAll"):
            return .values([.properties(call.arguments.first?.string == BlueZNames.monitor ? Self.monitorProperties : [:])])
        case (Self.monitorPath, BlueZNames.properties, "Get"):
            guard let name = call.arguments.dropFirst().first?.string, let value = Self.monitorProperties[name] else {
                return .error(DBusError(name: DBusError.invalidArgsName, message: "no such property"))
            }
            return .values([.variant(value)])
        case (Self.monitorPath, BlueZNames.monitor, "Activate"):
            activated.withLock { $0 = true }
            return .empty
        case (Self.monitorPath, BlueZNames.monitor, "Release"):
            activated.withLock { $0 = false }
            return .empty
        case (Self.monitorPath, BlueZNames.monitor, "DeviceFound"), (Self.monitorPath, BlueZNames.monitor, "DeviceLost"):
            // Reports arrive as Device1 property changes; these calls carry nothing more we need.
            return .empty
        default:
            return .error(DBusError(name: DBusError.unknownMethodName, message: "\(call.interface ?? "").\(call.member ?? "") is not implemented"))
        }
    }
}
