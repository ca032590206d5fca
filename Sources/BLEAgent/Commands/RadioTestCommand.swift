import AgentTime
import ArgumentParser
import BlueZ
import ExposureNotification
import Foundation

/// `bleagent radio test`: advertise rotating identifiers of a test key and scan, for a while.
struct RadioTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Advertise rotating identifiers and scan for a while; write what was heard.",
        discussion: """
        Advertises this device's calibration (`bleagent status`; --tx-power overrides it). \
        Uses a throw-away test key (or --tek), never the agent's own keys, and records nothing in the \
        contact store. Sightings go to --sightings-out (JSON lines, or CSV for a .csv file) in the \
        form `bleagent match` reads; --keep-packets adds every packet's RSSI. The identifiers and the \
        address change on a randomized period of 10–20 minutes; \
        --clock speed=N,origin=T makes intervals pass N times faster (every process of a test must \
        use the same origin). Needs access to the system bus's org.bluez (root or the bluetooth group). \
        --passive scans without SCAN_REQs through bluetoothd's advertisement monitor (only with \
        bluetoothd --experimental); bluetoothd then reports a device only when it changes, so \
        expect one sighting per identifier rather than one per scan window.
        """
    )

    @Option(help: ArgumentHelp("Adapter: hciN or its address (default: the first).", valueName: "ADAPTER"))
    var adapter: String?

    @Option(help: "How long to run, seconds (real time).")
    var duration: Double = 60

    @Option(help: "Scan window, seconds (real time).")
    var scanWindow: Double = 4

    @Option(help: "Seconds between scan windows (clock time).")
    var scanPeriod: Double = 240

    @Option(help: ArgumentHelp("The test TEK (32 hex digits; default: a random one).", valueName: "HEX"))
    var tek: String?

    @Option(help: ArgumentHelp("TX power to advertise (dBm; default: this device's calibration, see `bleagent status`).", valueName: "DBM"))
    var txPower: Int8?

    @OptionGroup var configuration: RadioConfigOption

    @Flag(help: "Scan passively through bluetoothd's advertisement monitor where it offers one (bluetoothd --experimental); see --help.")
    var passive = false

    @Option(help: ArgumentHelp("Clock for tests: speed=N,origin=UNIX (default: real time).", valueName: "SPEC"))
    var clock: String?

    @Option(help: ArgumentHelp("Write sightings here, appending: CSV if it ends in .csv, else JSON lines.", valueName: "FILE"))
    var sightingsOut: String?

    @Flag(help: "With --sightings-out: keep every packet's RSSI (rssi_packets) besides their mean and max.")
    var keepPackets = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let tek, Block16(hex: tek) == nil { throw ValidationError("--tek must be 32 hex digits") }
        if let clock, AgentClock(specification: clock) == nil { throw ValidationError("--clock must look like speed=60,origin=1764000000") }
        guard duration > 0, scanWindow > 0, scanPeriod >= scanWindow else { throw ValidationError("need --duration > 0 and --scan-period ≥ --scan-window > 0") }
        // Durations become milliseconds: a week at most keeps that arithmetic far from overflow.
        guard duration <= 604_800, scanPeriod <= 86_400 else { throw ValidationError("--duration must be at most 604,800 s and --scan-period at most 86,400 s") }
    }

    struct Report: Encodable {
        var adapter: String?
        var tek: String
        var rollingStartIntervalNumber: UInt32
        var rotations: Int
        var scanWindows: Int
        var sightings: Int
        var txPower: Int8
        var txPowerSource: String
        var advertisingInterval: String
        var extendedAdvertising: Bool
        var passiveScanning: Bool
        var reports: Int
        var droppedReports: Int
        /// Times the radio loop was woken by its deadline timer (it sleeps otherwise).
        var timerWakeUps: Int
        var lastError: String?
        var events: [String]
    }

    func run() async throws {
        try await reportingErrors {
            let agentClock = clock.flatMap(AgentClock.init(specification:)) ?? .real
            let keyData = tek.flatMap(Block16.init(hex:)) ?? TemporaryExposureKey.generate(for: ENIntervalNumber(rawValue: 0)).keyData
            let deriver = Mutex(IdentifierDeriver())
            let identifiers: RadioAgent.IdentifierSource = { interval, power in
                deriver.withLock { $0.advertisement(tek: keyData, at: interval, txPower: power) }
            }
            let calibration = try configuration.load().hostCalibration()
            let connection = try await RadioBus.connect()
            var radio = RadioAgent.Configuration(adapter: adapter, schedule: .init(scanWindow: scanWindow, scanPeriod: scanPeriod),
                                                 txPower: txPower ?? calibration.txPower, passiveScanning: passive)
            radio.keepsPackets = keepPackets
            let agent = RadioAgent(connection: connection, configuration: radio, clock: agentClock, identifiers: identifiers)
            let sink = try sightingsOut.map { try SightingsSink(path: $0, packets: keepPackets) }
            let collector = Task {
                if keepPackets {
                    for await batch in agent.detailedSightings { sink?.append(batch.map { .init(sighting: $0.sighting, rssiPackets: $0.rssiPackets) }) }
                } else {
                    for await batch in agent.sightings { sink?.append(batch.map { .init(sighting: $0, rssiPackets: nil) }) }
                }
            }
            let status = await agent.run(for: duration)
            let events = await agent.recentEvents
            _ = await collector.value
            sink?.close()
            let day = ENIntervalNumber(unixSeconds: Int64(agentClock.now()))?.dayStart.rawValue ?? 0
            let report = Report(adapter: status.adapter, tek: keyData.description, rollingStartIntervalNumber: day,
                                rotations: status.rotations, scanWindows: status.scanWindows, sightings: status.sightings,
                                txPower: status.txPower, txPowerSource: txPower == nil ? calibration.sourceName : "option",
                                advertisingInterval: status.advertisingInterval, extendedAdvertising: status.extendedAdvertising,
                                passiveScanning: status.passiveScanning, reports: status.reports, droppedReports: status.droppedReports,
                                timerWakeUps: status.timerWakeUps, lastError: status.lastError, events: events)
            if output.json {
                try Output.json(report)
            } else {
                Output.line("Adapter:      \(report.adapter ?? "none")\(report.extendedAdvertising ? " (extended advertising)" : " (legacy advertising)")")
                Output.line("Test TEK:     \(report.tek) (day starting at interval \(report.rollingStartIntervalNumber))")
                Output.line("Rotations:    \(report.rotations)")
                Output.line("Scan windows: \(report.scanWindows), sightings: \(report.sightings)")
                Output.line("TX power:     \(report.txPower) dBm (from \(report.txPowerSource))")
                Output.line("Interval:     \(report.advertisingInterval)")
                Output.line("Scanning:     \(report.passiveScanning ? "passive (advertisement monitor)" : "active (discovery)"), \(report.reports) reports")
                Output.line("Wake-ups:     \(report.timerWakeUps) by the radio loop's timer (\(String(format: "%.1f", Double(report.timerWakeUps) * 60 / duration)) a minute)")
                if let error = report.lastError { Output.line("Last error:   \(error)") }
            }
            try status.requireAdapter()
        }
    }
}

import Synchronization
import DBus
