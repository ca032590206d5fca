import ArgumentParser

/// `bleagent sightings …`: sightings files, outside the contact store.
struct SightingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sightings",
        abstract: "Work with sightings files (JSON lines, CSV, btmon captures) outside the contact store.",
        discussion: """
        A sightings file holds one line per RPI heard per scan: time, RPI, AEM, RSSI (mean), rssi_max, \
        seconds since the previous scan, and optionally every packet's RSSI. `bleagent match` and \
        `bleagent store import` read JSON lines, CSV and btsnoop captures alike. These files hold the \
        identifiers and signal strength of people nearby: keep them to yourself and delete them when done.
        """,
        subcommands: [SightingsConvertCommand.self]
    )
}
