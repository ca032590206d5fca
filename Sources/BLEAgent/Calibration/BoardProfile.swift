/// The kinds of radio bleagent ships calibration defaults for, and the defaults. The figures and
/// how they were derived from public field data are in README "Calibration defaults"
/// (`Tools/calibration/derive_board_defaults.py` reproduces them).
enum BoardProfile: Sendable, Hashable, CustomStringConvertible {
    /// A Raspberry Pi's built-in radio (3, 4, 5: the generation, when the model says it).
    case raspberryPi(generation: Int?)
    /// A USB adapter (also most laptops' built-in radios, which sit on USB).
    case usbAdapter
    /// Anything else (a virtual controller, an unknown bus).
    case unknown

    var description: String {
        switch self {
        case .raspberryPi(let generation?): "a Raspberry Pi \(generation) (built-in radio)"
        case .raspberryPi(nil): "a Raspberry Pi (built-in radio)"
        case .usbAdapter: "a USB adapter"
        case .unknown: "an unknown radio"
        }
    }

    /// The default calibration: never the controller's conducted level (a Pi's controller says
    /// +12 dBm; GAEN wants the radiated level a reference phone would report).
    var defaults: (txPower: Int8, rssiCorrection: Int) {
        switch self {
        case .raspberryPi: (Self.piTxPower, Self.piRSSICorrection)
        case .usbAdapter, .unknown: (Self.medianPhoneTxPower, Self.medianPhoneRSSICorrection)
        }
    }

    /// Google's calibration table (9,895 phone models): median TX power and RSSI correction. A radio
    /// nobody has measured is taken to be a median phone.
    static let medianPhoneTxPower: Int8 = -24
    static let medianPhoneRSSICorrection = -5
    /// A Raspberry Pi (NIST's Pi 3 pair, ±reciprocity): it radiates and hears hotter than a median
    /// phone by the same amount each way.
    static let piTxPower: Int8 = -13
    static let piRSSICorrection = -16

    /// Which profile, from the device-tree model (`/proc/device-tree/model`, nil off ARM boards)
    /// and whether the adapter sits on USB. Pure.
    static func detect(model: String?, adapterOnUSB: Bool) -> BoardProfile {
        if adapterOnUSB { return .usbAdapter }
        guard let model, model.hasPrefix("Raspberry Pi") else { return .unknown }
        // "Raspberry Pi 4 Model B Rev 1.4", "Raspberry Pi 3 Model B Plus Rev 1.3", "Raspberry Pi 5 Model B Rev 1.0".
        let rest = model.dropFirst("Raspberry Pi".count).drop { $0 == " " }
        let generation = rest.prefix { $0.isNumber }
        return .raspberryPi(generation: Int(generation))
    }
}
