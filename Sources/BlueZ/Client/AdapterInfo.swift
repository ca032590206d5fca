import DBus
/// One Bluetooth adapter as bluetoothd describes it.
public struct AdapterInfo: Hashable, Sendable {
    /// D-Bus object path, `/org/bluez/hci0`.
    public var path: String
    /// `hci0`.
    public var name: String
    /// The controller's public (identity) address.
    public var address: String
    public var powered: Bool
    public var discoverable: Bool
    /// Whether the controller does LE extended advertising (bluetoothd lists secondary channels
    /// only then); legacy-only controllers — most Raspberry Pis — cannot change an advert's random
    /// address during a scan.
    public var extendedAdvertising: Bool
    /// Advertising instances the controller (or the kernel, for legacy ones) offers.
    public var advertisingInstances: Int?
    /// bluetoothd exposes `SupportedCapabilities` only with experimental interfaces, and only then
    /// honours MinInterval/MaxInterval.
    public var honoursAdvertisingIntervals: Bool
    /// AdvertisementMonitorManager1 is present (experimental): passive scanning is possible.
    public var passiveScanning: Bool

    /// Builds from a `GetManagedObjects` entry; nil if the object is not an adapter.
    init?(path: String, interfaces: [String: DBusValue]) {
        guard let adapter = interfaces[BlueZNames.adapter]?.stringKeyedDictionary else { return nil }
        self.path = path
        name = String(path.split(separator: "/").last ?? "")
        address = adapter["Address"]?.string ?? ""
        powered = adapter["Powered"]?.bool ?? false
        discoverable = adapter["Discoverable"]?.bool ?? false
        let manager = interfaces[BlueZNames.advertisingManager]?.stringKeyedDictionary
        extendedAdvertising = !(manager?["SupportedSecondaryChannels"]?.stringArray ?? []).isEmpty
        advertisingInstances = manager?["SupportedInstances"]?.integer
        honoursAdvertisingIntervals = manager?["SupportedCapabilities"] != nil
        passiveScanning = interfaces[BlueZNames.monitorManager] != nil
    }

    /// Whether this adapter is the one `selector` names (`hci0`, or an address in any case); nil selects any.
    func matches(_ selector: String?) -> Bool {
        guard let selector, !selector.isEmpty else { return true }
        return selector == name || selector.uppercased() == address.uppercased()
    }
}
