import ExposureNotification

/// One GAEN advertising report as bluetoothd passed it on: for tools that show or measure single
/// packets (`radio watch`, `radio calibrate`). The contact store never sees these, only the
/// per-window sightings.
public struct HeardAdvert: Sendable, Hashable {
    /// Agent time (Unix seconds) when the report was taken in.
    public var time: Double
    public var payload: AdvertisementPayload
    /// As the controller measured it (dBm), before any correction.
    public var rssi: Int
    /// The adapter that heard it (`hci0`).
    public var adapter: String

    public init(time: Double, payload: AdvertisementPayload, rssi: Int, adapter: String) {
        self.time = time
        self.payload = payload
        self.rssi = rssi
        self.adapter = adapter
    }
}
