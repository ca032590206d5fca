import ExposureNotification

/// The arithmetic of `bleagent radio calibrate`, pure. A reference device with known calibration
/// (TX power T_r, RSSI correction C_r) and the subject stand `distance` metres apart and hear each
/// other. At that distance two calibrated devices compute the attenuation `ReferencePath.attenuation`
/// (A). Then:
/// - the subject's TX power is what makes the reference compute A for it:
///   T_s = A + (the reference's corrected median RSSI of the subject);
/// - the subject's correction is what makes it compute A for the reference:
///   C_s = T_r − A − (the subject's median raw RSSI of the reference).
struct CalibrationEstimate: Sendable, Hashable, Codable {
    var txPowerDbm: Int
    var rssiCorrectionDb: Int
    /// The subject's median raw RSSI of the reference's packets, its spread and how many.
    var heardMedian: Double
    var heardSpread: Double
    var heardPackets: Int
    /// What the reference said it hears of the subject (its correction applied).
    var referenceHeard: Int
    var referenceTxPower: Int
    var distanceMetres: Double
    var expectedAttenuation: Double

    enum Failure: Error, Equatable, CustomStringConvertible {
        case tooFewPackets(Int, needed: Int)
        case referenceSilent
        case outOfRange(String)

        var description: String {
            switch self {
            case .tooFewPackets(let count, let needed):
                "heard \(count) packets of the reference, need at least \(needed): move closer, check that it runs `bleagent radio calibrate --reference` with the same --session, or run longer"
            case .referenceSilent:
                "the reference never said how it hears this device: is it running with the same --session and --reference, and can it hear us?"
            case .outOfRange(let what):
                "the result is outside what GAEN accepts (\(what)): the distance, the reference's calibration or the placement is wrong"
            }
        }
    }

    static let minimumPackets = 20

    /// - Parameters:
    ///   - rssi: raw RSSI of every reference packet this device heard.
    ///   - referenceHeard: the reference's latest corrected median RSSI of this device.
    static func estimate(rssi: [Int], referenceTxPower: Int8, referenceHeard: Int8?, distance: Double) throws(Failure) -> CalibrationEstimate {
        guard rssi.count >= minimumPackets else { throw .tooFewPackets(rssi.count, needed: minimumPackets) }
        guard let referenceHeard else { throw .referenceSilent }
        guard let stats = SampleDistribution(rssi) else { throw .tooFewPackets(0, needed: minimumPackets) }
        let attenuation = ReferencePath.attenuation(at: distance)
        let tx = (attenuation + Double(referenceHeard)).rounded()
        let correction = (Double(referenceTxPower) - attenuation - stats.median).rounded()
        guard (-50...20).contains(tx) else { throw .outOfRange("TX power \(Int(tx)) dBm, accepted −50…20") }
        guard (-60...60).contains(correction) else { throw .outOfRange("RSSI correction \(Int(correction)) dB, accepted −60…60") }
        return CalibrationEstimate(txPowerDbm: Int(tx), rssiCorrectionDb: Int(correction), heardMedian: stats.median,
                                   heardSpread: stats.interquartileRange, heardPackets: rssi.count, referenceHeard: Int(referenceHeard),
                                   referenceTxPower: Int(referenceTxPower), distanceMetres: distance, expectedAttenuation: attenuation)
    }
}
