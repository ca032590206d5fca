import ArgumentParser
import ExposureNotification
import FieldTrials
import Foundation

/// `bleagent field replay DATASET`: true- and false-positive rates of each risk model on a field trial.
struct FieldReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Judge a field trial's contacts with each risk model; rates against its ground truth.",
        discussion: """
        DATASET is mitll-ua, dublin-tram, nist-rpi or all. Every shipped preset is judged, and each \
        --risk given (a preset or a JSON risk file, as `match --risk` takes) besides. \
        Ground truth: close = within 6 ft (1.83 m) for ≥ 15 minutes (the trials' line), and within \
        1 m for ≥ 15 minutes (COCOA's definition). TPR = flagged close contacts / close contacts, \
        FPR = flagged other contacts / other contacts, per scenario and over all. For mitll-ua also \
        how often the model agrees with the phones' own EN verdicts. nist-rpi is judged twice: as the \
        Pis advertised (+12 dBm, their controller's conducted level) and with bleagent's default Pi \
        calibration (README "Calibration"). --json gives every contact too.
        """
    )

    @Argument(help: ArgumentHelp("mitll-ua, dublin-tram, nist-rpi or all.", valueName: "DATASET"))
    var dataset: String

    @Option(help: ArgumentHelp("Also judge with this model (repeatable): " + RiskOption.help, valueName: "PRESET|FILE"))
    var risk: [String] = []

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("The field data folder (default: $BLEAGENT_FIELDDATA, else ../shared/fielddata).", valueName: "PATH"))
    var dataDirectory: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard dataset == "all" || FieldDataset.Name(rawValue: dataset) != nil else {
            throw ValidationError("DATASET must be one of: \((FieldDataset.Name.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await reportingErrors {
            var configurations = RiskConfiguration.presets
            for value in risk {
                let model = try RiskOption.load(value)
                if !configurations.contains(where: { $0.name == model.name }) { configurations.append(model) }
            }
            let names = FieldDataset.Name(rawValue: dataset).map { [$0] } ?? FieldDataset.Name.allCases
            let root = dataDirectory ?? ProcessInfo.processInfo.environment["BLEAGENT_FIELDDATA"] ?? "../shared/fielddata"
            let report: FieldReplayReport
            do throws(FieldDataError) {
                // The Pis once as they advertised (+12 dBm conducted), once as bleagent calibrates a Pi.
                let pi = BoardProfile.raspberryPi(generation: 3).defaults
                report = try FieldReplay.report(names, from: FieldDataset(root: URL(fileURLWithPath: root)), configurations: configurations,
                                                piCalibration: .init(txPower: Int(pi.txPower), rssiCorrection: pi.rssiCorrection))
            } catch {
                switch error.kind {
                case .missing: throw CLIError(.noInput, "\(error) — give the field data folder with --data-dir or $BLEAGENT_FIELDDATA")
                case .malformed: throw CLIError(.dataError, error.description)
                }
            }
            if output.json {
                try Output.json(report)
            } else {
                ReplayTable.lines(report).forEach { Output.line($0) }
            }
        }
    }
}
