@testable import BlueZ
import DBus
import Testing

/// bluetoothd's signals decoded without a bus: what each means, and malformed ones ignored.
struct BlueZEventTests {
    func signal(_ interface: String, _ member: String, path: String = "/", _ arguments: [DBusValue]) -> DBusMessage {
        DBusMessage(kind: .signal, path: path, interface: interface, member: member, sender: ":1.7", arguments: arguments)
    }

    @Test func bluetoothdStartingAndStopping() {
        let started = signal("org.freedesktop.DBus", "NameOwnerChanged", [.string("org.bluez"), .string(""), .string(":1.9")])
        let stopped = signal("org.freedesktop.DBus", "NameOwnerChanged", [.string("org.bluez"), .string(":1.9"), .string("")])
        #expect(BlueZEvent(started) == .daemonStarted)
        #expect(BlueZEvent(stopped) == .daemonStopped)
        // Another name's owner, or a truncated signal, means nothing to the radio.
        #expect(BlueZEvent(signal("org.freedesktop.DBus", "NameOwnerChanged", [.string("org.other"), .string(""), .string(":1.9")])) == nil)
        #expect(BlueZEvent(signal("org.freedesktop.DBus", "NameOwnerChanged", [.string("org.bluez")])) == nil)
    }

    @Test func objectsAddedAndRemoved() {
        let interfaces: [String: DBusValue] = ["org.bluez.Adapter1": .properties(["Powered": .boolean(true)])]
        let added = signal("org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                           [.objectPath("/org/bluez/hci0"), .dictionary(keySignature: "s", valueSignature: "a{sv}",
                                                                       [.init(.string("org.bluez.Adapter1"), .properties(["Powered": .boolean(true)]))])])
        #expect(BlueZEvent(added) == .interfacesAdded(path: "/org/bluez/hci0", interfaces: interfaces))
        let removed = signal("org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                             [.objectPath("/org/bluez/hci0/dev_AA"), .strings(["org.bluez.Device1"])])
        #expect(BlueZEvent(removed) == .interfacesRemoved(path: "/org/bluez/hci0/dev_AA", interfaces: ["org.bluez.Device1"]))
        // Wrong argument types are ignored, not trusted.
        #expect(BlueZEvent(signal("org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", [.objectPath("/x"), .int32(1)])) == nil)
    }

    @Test func propertiesChangedNeedsAPathAnInterfaceAndADictionary() {
        let changed = signal("org.freedesktop.DBus.Properties", "PropertiesChanged", path: "/org/bluez/hci0/dev_AA",
                             [.string("org.bluez.Device1"), .properties(["RSSI": .int16(-60)]), .strings([])])
        #expect(BlueZEvent(changed) == .propertiesChanged(path: "/org/bluez/hci0/dev_AA", interface: "org.bluez.Device1",
                                                          changed: ["RSSI": .variant(.int16(-60))]))
        #expect(BlueZEvent.isDeviceReport(changed))
        let adapter = signal("org.freedesktop.DBus.Properties", "PropertiesChanged", path: "/org/bluez/hci0",
                             [.string("org.bluez.Adapter1"), .properties(["Powered": .boolean(false)]), .strings([])])
        #expect(!BlueZEvent.isDeviceReport(adapter))
        #expect(BlueZEvent(signal("org.freedesktop.DBus.Properties", "PropertiesChanged", [.string("org.bluez.Adapter1")])) == nil)
    }

    @Test func methodCallsAndUnknownSignalsAreNotEvents() {
        var call = signal("org.freedesktop.DBus", "NameOwnerChanged", [.string("org.bluez"), .string(""), .string(":1.9")])
        call.kind = .methodCall
        #expect(BlueZEvent(call) == nil)
        #expect(BlueZEvent(signal("org.bluez.Adapter1", "Something", [])) == nil)
    }
}
