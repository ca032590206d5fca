/// How this device's radio is calibrated, as GAEN means it: `txPower` is the radiated level the
/// metadata advertises, `rssiCorrection` is added to every RSSI this device measures. With both
/// right, a phone and this device compute the same attenuation for the same distance.
struct RadioCalibration: Sendable, Hashable {
    enum Source: Sendable, Hashable {
        /// Measured with `bleagent radio calibrate --write` (its note says when and against what).
        case calibrated(String)
        /// Set by hand in `[radio]`.
        case configuration
        /// Nothing set: the shipped default for this kind of board.
        case boardDefault(BoardProfile)
    }

    var txPower: Int8
    var rssiCorrection: Int
    var source: Source

    /// For `status` and `--json`: `calibrated`, `configuration` or `default`.
    var sourceName: String {
        switch source {
        case .calibrated: "calibrated"
        case .configuration: "configuration"
        case .boardDefault: "default"
        }
    }

    /// In words: "calibrated (2026-12-04, 1.0 m from a reference, 812 packets)",
    /// "set in the configuration", "default for a Raspberry Pi 4 (built-in radio)".
    var sourceDescription: String {
        switch source {
        case .calibrated(let note): note.isEmpty ? "calibrated" : "calibrated (\(note))"
        case .configuration: "set in the configuration"
        case .boardDefault(let board): "default for \(board.description)"
        }
    }
}
