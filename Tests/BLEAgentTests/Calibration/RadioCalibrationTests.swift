@testable import BLEAgent
import ExposureNotification
import Testing

struct RadioCalibrationTests {
    @Test func nothingSetGivesTheBoardDefaultAndSaysSo() throws {
        let configuration = try AgentConfiguration.parse("", path: "test.toml")
        let calibration = configuration.calibration(board: .raspberryPi(generation: 4))
        #expect(calibration.txPower == BoardProfile.piTxPower && calibration.rssiCorrection == BoardProfile.piRSSICorrection)
        #expect(calibration.sourceName == "default" && calibration.sourceDescription == "default for a Raspberry Pi 4 (built-in radio)")
    }

    @Test func configuredAndCalibratedFiguresWin() throws {
        var configuration = try AgentConfiguration.parse("[radio]\ntx_power_dbm = -20\n", path: "test.toml")
        var calibration = configuration.calibration(board: .raspberryPi(generation: 4))
        // What is not set keeps the board's default.
        #expect(calibration.txPower == -20 && calibration.rssiCorrection == BoardProfile.piRSSICorrection && calibration.sourceName == "configuration")
        configuration = try AgentConfiguration.parse("[radio]\ntx_power_dbm = -20\nrssi_correction_db = 4\ncalibration = \"2026-12-04, 1.0 m\"\n", path: "t.toml")
        calibration = configuration.calibration(board: .usbAdapter)
        #expect(calibration.txPower == -20 && calibration.rssiCorrection == 4)
        #expect(calibration.sourceName == "calibrated" && calibration.sourceDescription == "calibrated (2026-12-04, 1.0 m)")
    }

    @Test func outOfRangeFiguresAreRefusedWithTheKeyNamed() {
        #expect(throws: (any Error).self) { try AgentConfiguration.parse("[radio]\ntx_power_dbm = 30\n", path: "t.toml") }
        do {
            _ = try AgentConfiguration.parse("[radio]\nrssi_correction_db = 90\n", path: "t.toml")
            Issue.record("accepted a correction of 90 dB")
        } catch {
            #expect("\(error)".contains("rssi_correction_db"))
        }
    }

    /// The radio's correction is added to the model's when this device judges its own sightings:
    /// a −60 dBm sighting of a −10 dBm sender is 50 dB with no correction, 46 dB with +4.
    @Test func theCorrectionReachesTheRiskModel() throws {
        let configuration = try AgentConfiguration.parse("[radio]\nrssi_correction_db = 4\n", path: "t.toml")
        let risk = configuration.risk(for: configuration.calibration(board: .unknown))
        #expect(risk.rssiCorrection == 4)
        #expect(configuration.risk.rssiCorrection == 0)
    }
}
