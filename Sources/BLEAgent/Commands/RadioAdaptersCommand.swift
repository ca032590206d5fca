import ArgumentParser
import BlueZ
import DBus
import Foundation

/// `bleagent radio adapters`: what bluetoothd offers.
struct RadioAdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters",
        abstract: "List Bluetooth adapters and what they can do (extended advertising, passive scanning)."
    )

    @OptionGroup var output: OutputOptions

    struct Row: Encodable {
        var name: String
        var address: String
        var powered: Bool
        var discoverable: Bool
        var extendedAdvertising: Bool
        var passiveScanning: Bool
    }

    func run() async throws {
        try await reportingErrors {
            let adapters: [AdapterInfo]
            do throws(DBusError) {
                adapters = try await BlueZAdapters.list(try await DBusConnection.system())
            } catch {
                throw CLIError(.failure, BlueZAdapters.explain(error))
            }
            let rows = adapters.map { Row(name: $0.name, address: $0.address, powered: $0.powered, discoverable: $0.discoverable,
                                          extendedAdvertising: $0.extendedAdvertising, passiveScanning: $0.passiveScanning) }
            if output.json { try Output.json(rows); return }
            guard !rows.isEmpty else {
                Output.line("No Bluetooth adapter. (bleagent demo runs the whole story on virtual radios.)")
                return
            }
            Output.table([["ADAPTER", "ADDRESS", "POWERED", "ADVERTISING", "SCANNING"]] + rows.map {
                [$0.name, $0.address, $0.powered ? "yes" : "no", $0.extendedAdvertising ? "extended" : "legacy only",
                 $0.passiveScanning ? "passive available" : "active (discovery)"]
            })
        }
    }
}
