import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent keys export`: writes a signed diagnosis-key file from a JSON list of keys.
struct KeysExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a signed diagnosis-key file (zip with export.bin and export.sig).",
        discussion: """
        KEYS.json is an array of keys in the form `keys inspect --json` prints:
          [{"key_data": "<32 hex>", "rolling_start_interval_number": 2650000, "rolling_period": 144,
            "report_type": 1, "days_since_onset_of_symptoms": 0, "revised": false}, …]
        (rolling_period defaults to 144; revised keys go to revised_keys.) The signing key is an ECDSA \
        P-256 private key in PEM; make one with:
          openssl ecparam -name prime256v1 -genkey -noout -out signing.pem
          openssl ec -in signing.pem -pubout -out public.pem
        """
    )

    @Option(help: ArgumentHelp("JSON array of keys.", valueName: "KEYS.json"))
    var keys: String

    @Option(help: ArgumentHelp("ECDSA P-256 private key, PEM.", valueName: "PRIV.pem"))
    var signingKey: String

    @Option(help: "The key id the verifier knows the public key by.")
    var keyID: String

    @Option(help: "The key version the verifier knows the public key by.")
    var keyVersion: String

    @Option(help: "Region, e.g. 440 (Japan) or US.")
    var region: String

    @Option(help: ArgumentHelp("Start of the batch window, unix seconds (default: the earliest key's start).", valueName: "T"))
    var start: UInt64?

    @Option(help: ArgumentHelp("End of the batch window, unix seconds (default: the latest key's end).", valueName: "T"))
    var end: UInt64?

    @Option(help: "Position of this file in its batch.")
    var batchNum: Int32 = 1

    @Option(help: "Number of files in the batch.")
    var batchSize: Int32 = 1

    @Option(help: ArgumentHelp("Where to write the zip.", valueName: "FILE.zip"))
    var out: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard batchNum >= 1, batchSize >= batchNum else { throw ValidationError("need 1 ≤ --batch-num ≤ --batch-size") }
        if let start, let end, end < start { throw ValidationError("--end is before --start") }
    }

    struct Report: Encodable {
        var path: String
        var keys: Int
        var revisedKeys: Int
        var sha256: String
        var keyID: String
        var keyVersion: String
    }

    func run() async throws {
        try await reportingErrors {
            let entries: [KeyJSON]
            do {
                entries = try SnakeCaseJSON.decoder().decode([KeyJSON].self, from: try InputFiles.data(keys, what: "keys file"))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError(.dataError, "\(keys): not a JSON array of keys: \(JSONErrors.describe(error))")
            }
            var regular: [TemporaryExposureKey] = [], revised: [TemporaryExposureKey] = []
            for (index, entry) in entries.enumerated() {
                let key = try entry.key(index: index)
                if entry.revised == true { revised.append(key) } else { regular.append(key) }
            }
            let signer: ExportWriter.Signer
            do {
                signer = try ExportWriter.Signer(pem: try InputFiles.text(signingKey, what: "signing key"), keyID: keyID, keyVersion: keyVersion)
            } catch let error as ExportWriter.WriteError {
                throw CLIError(.dataError, "\(signingKey): \(error)")
            }
            let all = regular + revised
            let header = ExportFile.Header(
                startTimestamp: start ?? all.map { UInt64($0.rollingStartIntervalNumber.unixSeconds) }.min() ?? 0,
                endTimestamp: end ?? all.map { UInt64($0.rollingStartIntervalNumber.unixSeconds) + UInt64($0.rollingPeriod) * 600 }.max() ?? 0,
                region: region, batchNumber: batchNum, batchSize: batchSize)
            let zip: Data
            do {
                zip = try ExportWriter.archive(header: header, keys: regular, revisedKeys: revised, signer: signer)
            } catch let error as ExportWriter.WriteError {
                throw CLIError(.dataError, "\(error)")
            }
            try InputFiles.write(zip, to: out)
            let report = Report(path: out, keys: regular.count, revisedKeys: revised.count, sha256: FileDigest.of(zip).hex,
                                keyID: keyID, keyVersion: keyVersion)
            if output.json {
                try Output.json(report)
            } else {
                Output.line("Wrote \(out): \(regular.count) keys\(revised.isEmpty ? "" : " + \(revised.count) revised"), signed with key id \(keyID) version \(keyVersion)")
                Output.line("SHA-256: \(report.sha256)")
            }
        }
    }
}
