import Foundation

/// The attenuation two calibrated devices compute at a distance, A(d) = A(1 m) + 10·n·log10(d / 1 m):
/// the line `radio calibrate` calibrates against. Figures from public field data (README
/// "Calibration defaults"; `Tools/calibration/derive_board_defaults.py`).
enum ReferencePath {
    /// Median attenuation between calibrated phones 1 m apart (dB): MITLL-UA, 201 Android pairs,
    /// 1,826 static set-ups, a robust (Theil-Sen) fit over 0.4–19 m.
    static let attenuationAtOneMetre = 50.0
    /// Path-loss exponent n of the same fit (indoors, with bodies and furniture: well below free space).
    static let exponent = 1.2

    static func attenuation(at distance: Double) -> Double {
        attenuationAtOneMetre + 10 * exponent * log10(max(distance, 0.1))
    }
}
