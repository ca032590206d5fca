import ExposureNotification

/// What the radio side is doing, for `bleagent status` and the journal. No RPI, key or address of
/// anyone else; the adapter's own name only.
public struct RadioStatus: Sendable, Hashable {
    public var adapter: String?
    public var powered = false
    public var extendedAdvertising = false
    public var advertising = false
    /// Why we are not advertising, if we are not.
    public var quietReason: String?
    /// Seconds since identifiers and address last changed.
    public var rotationAge: Double?
    public var rotations = 0
    /// The TX power our metadata advertises (dBm): the configured, calibrated radiated figure.
    public var txPower: Int8 = 0
    /// What the controller says it transmits (dBm), from bluetoothd (extended controllers) or over
    /// HCI (legacy ones): its conducted level, never put into the metadata; shown beside it.
    public var controllerTxPower: Int8?
    /// The advertising interval in force, in words (bluetoothd without experimental interfaces
    /// ignores the requested 200–270 ms).
    public var advertisingInterval = "unknown"
    public var scanning = false
    public var passiveScanning = false
    public var lastScanAt: Double?
    public var scanWindows = 0
    /// Times the radio loop was woken by its deadline timer (it sleeps otherwise).
    public var timerWakeUps = 0
    public var sightings = 0
    /// Advertising reports (PropertiesChanged/InterfacesAdded carrying 0xFD6F data) taken into scan windows.
    public var reports = 0
    /// Reports dropped because they came faster than they could be taken in (a flood).
    public var droppedReports = 0
    public var lastError: String?
    /// Kernel and BlueZ versions, named in registration failures.
    public var platform = ""

    public init() {}
}
