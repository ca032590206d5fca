import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent crypto rpi`: the RPIs (and AEMs) a TEK gives for a run of intervals.
struct CryptoRPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpi",
        abstract: "Print the rolling proximity identifiers of a temporary exposure key.",
        discussion: """
        RPI = AES-128(HKDF(TEK, "EN-RPIK"), "EN-RPI" ‖ 0×6 ‖ interval); with --metadata, also \
        AEM = AES-128-CTR(HKDF(TEK, "EN-AEMK"), IV = RPI, metadata). \
        Example (Google's test vector): bleagent crypto rpi --tek 75c734c6dd1a782de7a965da5eb93125 \\
            --interval 2642976 --count 144 --metadata 40080000
        """
    )

    @Option(help: ArgumentHelp("The TEK, 32 hex digits.", valueName: "HEX"))
    var tek: String

    @Option(help: ArgumentHelp("First interval number (unix seconds ÷ 600).", valueName: "N"))
    var interval: UInt32

    @Option(help: ArgumentHelp("How many consecutive intervals (1…1440).", valueName: "K"))
    var count = 1

    @Option(help: ArgumentHelp("4 metadata bytes to encrypt into AEMs, e.g. 40080000 (v1.0, 8 dBm).", valueName: "HEX"))
    var metadata: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard Block16(hex: tek) != nil else { throw ValidationError("--tek must be 32 hex digits (16 bytes)") }
        guard (1...1440).contains(count) else { throw ValidationError("--count must be 1…1440") }
        guard UInt64(interval) + UInt64(count) <= UInt64(UInt32.max) else { throw ValidationError("--interval + --count overflows the interval range") }
        if let metadata, Hex.decode(metadata)?.count != 4 {
            throw ValidationError("--metadata must be 8 hex digits (4 bytes)")
        }
    }

    struct Row: Encodable {
        var interval: UInt32
        var rpi: String
        var aem: String?
    }

    func run() async throws {
        guard let tekData = Block16(hex: tek) else { throw ValidationError("--tek must be 32 hex digits") }
        let metadataBytes = metadata.flatMap(Hex.decode)
        let deriver = IdentifierDeriver()
        let keys = deriver.keys(for: tekData)
        let rows: [Row] = (0..<count).map { offset in
            let number = ENIntervalNumber(rawValue: interval + UInt32(offset))
            let rpi = deriver.identifier(rpik: keys.rpik, at: number)
            let aem = metadataBytes.flatMap { AssociatedEncryptedMetadata(bytes: $0) }.map { plain in
                deriver.encryptMetadata(raw: plain.rawValue, aemk: keys.aemk, rpi: rpi).description
            }
            return Row(interval: number.rawValue, rpi: rpi.description, aem: aem)
        }
        if output.json {
            try Output.json(rows)
        } else {
            Output.table([["INTERVAL", "UTC", "RPI"] + (metadata == nil ? [] : ["AEM"])] + rows.map { row in
                let time = ENIntervalNumber(rawValue: row.interval)
                let clock = "\(time.day.iso8601) \(Self.clock(time.indexInDay))"
                return ["\(row.interval)", clock, row.rpi] + (row.aem.map { [$0] } ?? [])
            })
        }
    }

    static func clock(_ index: UInt32) -> String {
        let minutes = Int(index) * 10
        return String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
