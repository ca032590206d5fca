@testable import BLEAgent
import Testing

struct CalibrationEstimateTests {
    /// The issue's case by hand: a reference (TX −13, correction −16) and a subject 1 m apart; two
    /// references there hear each other at −47 dBm raw (−13 − (−47 − 16) = 50 dB, the reference line).
    /// The subject's transmissions arrive 10 dB hotter (the reference hears −37, −53 corrected) and
    /// its receiver reads 4 dB low (it hears the reference at −51). It must advertise −3 dBm and
    /// correct by −12 dB, so that both directions compute 50 dB.
    @Test func theIssuesSubjectIsCalibratedToWithinOneDecibel() throws {
        let rssi = Array(repeating: -51, count: 40) + Array(repeating: -50, count: 10) + Array(repeating: -52, count: 10)
        let estimate = try CalibrationEstimate.estimate(rssi: rssi, referenceTxPower: -13, referenceHeard: -53, distance: 1)
        #expect(estimate.txPowerDbm == -3 && estimate.rssiCorrectionDb == -12)
        #expect(estimate.heardMedian == -51 && estimate.heardPackets == 60 && estimate.heardSpread == 0)
        // The reference now computes the same attenuation for the subject as for another reference…
        #expect(estimate.txPowerDbm - (-37 + -16) == 50)
        // …and the subject computes it for the reference.
        #expect(-13 - (-51 + estimate.rssiCorrectionDb) == 50)
    }

    @Test func fartherAwayTheLineIsHigher() throws {
        let near = try CalibrationEstimate.estimate(rssi: Array(repeating: -60, count: 30), referenceTxPower: -13, referenceHeard: -70, distance: 1)
        let far = try CalibrationEstimate.estimate(rssi: Array(repeating: -60, count: 30), referenceTxPower: -13, referenceHeard: -70, distance: 2)
        #expect(far.expectedAttenuation > near.expectedAttenuation)
        #expect(far.txPowerDbm == near.txPowerDbm + Int((far.expectedAttenuation - near.expectedAttenuation).rounded()))
    }

    @Test func tooLittleToGoOnIsSaidSo() {
        #expect(throws: CalibrationEstimate.Failure.tooFewPackets(5, needed: 20)) {
            try CalibrationEstimate.estimate(rssi: [-50, -50, -50, -50, -50], referenceTxPower: -13, referenceHeard: -50, distance: 1)
        }
        #expect(throws: CalibrationEstimate.Failure.referenceSilent) {
            try CalibrationEstimate.estimate(rssi: Array(repeating: -50, count: 30), referenceTxPower: -13, referenceHeard: nil, distance: 1)
        }
        // A result GAEN would not carry (TX above +20 dBm) means the set-up is wrong, not the device.
        #expect(throws: (any Error).self) {
            try CalibrationEstimate.estimate(rssi: Array(repeating: -50, count: 30), referenceTxPower: -13, referenceHeard: 0, distance: 1)
        }
    }
}
