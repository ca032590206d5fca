import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent keys inspect`: what a diagnosis-key file holds and whether its signature verifies.
struct KeysInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the header, signature and keys of a diagnosis-key file.",
        discussion: """
        PATH is a zip as key servers publish it, or a bare export.bin (its export.sig is read from \
        beside it: x.bin → x.sig). With --public-key the signature is verified: "valid", "invalid" \
        (exit code 3) or "unverified" (nothing to check it with). Keys with bad fields are dropped \
        and counted under warnings.
        """
    )

    @Argument(help: ArgumentHelp("A key file (.zip) or a bare export.bin.", valueName: "PATH"))
    var path: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "List every key in text output (JSON always lists all).")
    var all = false

    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        struct Signature: Encodable {
            var status: String
            var keyID: String?
            var keyVersion: String?
            var algorithm: String?
            var reason: String?
        }

        var region: String?
        var startTimestamp: UInt64?
        var endTimestamp: UInt64?
        var batchNum: Int32?
        var batchSize: Int32?
        var signature: Signature
        var keys: [KeyJSON]
        var warnings: [String]
        var sha256: String
    }

    func run() async throws {
        try await reportingErrors {
            let container = try InputFiles.exportContainer(path)
            let file: ExportFile
            do {
                file = try ExportReader.read(container, keyring: try keyring.keyring())
            } catch let error as ExportFileError {
                throw CLIError(.dataError, "\(path): \(error)")
            }
            let info = file.signature.info
            let report = Report(
                region: file.header.region, startTimestamp: file.header.startTimestamp, endTimestamp: file.header.endTimestamp,
                batchNum: file.header.batchNumber, batchSize: file.header.batchSize,
                signature: .init(status: file.signature.status.rawValue, keyID: info?.verificationKeyID,
                                 keyVersion: info?.verificationKeyVersion, algorithm: info?.signatureAlgorithm,
                                 reason: file.signature.reason),
                keys: file.keys.map { KeyJSON($0, revised: false) } + file.revisedKeys.map { KeyJSON($0, revised: true) },
                warnings: file.warnings.lines, sha256: file.digest.hex)
            if output.json {
                try Output.json(report)
            } else {
                printText(report, file: file)
            }
            if file.signature.status == .invalid {
                throw CLIError(.refused, "\(path): the signature does not verify: \(file.signature.reason ?? "")")
            }
        }
    }

    private func printText(_ report: Report, file: ExportFile) {
        func time(_ seconds: UInt64?) -> String {
            guard let seconds, let value = Int64(exactly: seconds) else { return "-" }
            return "\(ExposureDay(unixSeconds: value).iso8601) (\(seconds))"
        }
        Output.line("File:       \(path)")
        Output.line("SHA-256:    \(report.sha256)")
        Output.line("Region:     \(report.region ?? "-")")
        Output.line("Window:     \(time(report.startTimestamp)) … \(time(report.endTimestamp))")
        Output.line("Batch:      \(report.batchNum.map(String.init) ?? "-") of \(report.batchSize.map(String.init) ?? "-")")
        var signature = "\(report.signature.status)"
        if let id = report.signature.keyID { signature += ", key id \(id)" }
        if let version = report.signature.keyVersion { signature += " version \(version)" }
        if let reason = report.signature.reason { signature += " (\(reason))" }
        Output.line("Signature:  \(signature)")
        Output.line("Keys:       \(file.keys.count)\(file.revisedKeys.isEmpty ? "" : " + \(file.revisedKeys.count) revised")")
        for warning in report.warnings { Output.line("Warning:    \(warning)") }
        guard !report.keys.isEmpty else { return }
        Output.line()
        let shown = all ? report.keys : Array(report.keys.prefix(20))
        var rows: [[String]] = [["KEY", "START", "PERIOD", "TRL", "REPORT", "ONSET", "REVISED"]]
        for key in shown {
            let period = key.rollingPeriod.map(String.init) ?? "144"
            let risk = key.transmissionRiskLevel.map(String.init) ?? "-"
            let type = key.reportType.flatMap { ReportType(rawValue: $0)?.name } ?? "-"
            let onset = key.daysSinceOnsetOfSymptoms.map(String.init) ?? "-"
            rows.append([key.keyData, String(key.rollingStartIntervalNumber), period, risk, type, onset, key.revised == true ? "yes" : ""])
        }
        Output.table(rows)
        if shown.count < report.keys.count {
            Output.line("… \(report.keys.count - shown.count) more (--all lists them, --json prints them all)")
        }
    }
}
