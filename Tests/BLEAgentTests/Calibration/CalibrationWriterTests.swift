@testable import BLEAgent
import Testing

struct CalibrationWriterTests {
    @Test func keysAreReplacedInPlaceAndCommentsKept() {
        let text = "# my agent\n[agent]\nstate_directory = \"/x\"\n\n[radio]\n# the Pi on the shelf\nadapter = \"hci0\"\ntx_power_dbm = 12\n\n[keys]\nrisk = \"cocoa\"\n"
        let edited = CalibrationWriter.edit(text, txPower: -3, rssiCorrection: -12, note: "2026-12-04, 1.0 m")
        #expect(edited == "# my agent\n[agent]\nstate_directory = \"/x\"\n\n[radio]\nrssi_correction_db = -12\ncalibration = \"2026-12-04, 1.0 m\"\n# the Pi on the shelf\nadapter = \"hci0\"\ntx_power_dbm = -3\n\n[keys]\nrisk = \"cocoa\"\n")
    }

    @Test func aMissingTableIsAddedAndTheResultLoads() throws {
        let edited = CalibrationWriter.edit("[agent]\nrequire_time_sync = false", txPower: -13, rssiCorrection: -16, note: "a \"quoted\" note")
        #expect(edited.hasSuffix("\n[radio]\ntx_power_dbm = -13\nrssi_correction_db = -16\ncalibration = \"a \\\"quoted\\\" note\"\n"))
        let configuration = try AgentConfiguration.parse(edited, path: "t.toml")
        #expect(configuration.txPowerSetting == -13 && configuration.rssiCorrectionSetting == -16 && configuration.calibrationNote == "a \"quoted\" note")
        #expect(CalibrationWriter.edit("", txPower: 1, rssiCorrection: 2, note: "n") == "[radio]\ntx_power_dbm = 1\nrssi_correction_db = 2\ncalibration = \"n\"\n")
    }

    @Test func aCommentedOutKeyIsNotTakenForTheKey() {
        let edited = CalibrationWriter.edit("[radio]\n# tx_power_dbm = 12\n", txPower: -3, rssiCorrection: 0, note: "n")
        #expect(edited == "[radio]\ntx_power_dbm = -3\nrssi_correction_db = 0\ncalibration = \"n\"\n# tx_power_dbm = 12\n")
    }
}
