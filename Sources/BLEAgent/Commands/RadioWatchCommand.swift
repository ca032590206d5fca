import AgentTime
import ArgumentParser
import BlueZ
import ExposureNotification
import Foundation
import Synchronization

/// `bleagent radio watch`: one line per GAEN advert as it arrives, like `bluetoothctl scan on`.
struct RadioWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show every exposure-notification advert as it arrives: time, identifier, RSSI, attenuation.",
        discussion: """
        Scans without pause and prints one line per advert heard: the time, the first 8 hex digits of \
        its identifier (RPI), the RSSI as the controller measured it and with this device's RSSI \
        correction (see `bleagent status`). For a device whose key you give with --tek (a reference \
        running `bleagent radio test --tek`, or the test key another `radio watch` prints), its \
        metadata is decrypted and the line adds its advertised TX power and the attenuation GAEN \
        computes (TX power − corrected RSSI). --calibration-session NAME follows the two devices of a \
        `bleagent radio calibrate` session the same way.

        Meanwhile this device advertises a throw-away test key (printed first), never the agent's own; \
        nothing is stored. Runs until Ctrl-C or --duration. --json prints one JSON object per line. \
        Needs access to the system bus's org.bluez (root or the bluetooth group).
        """
    )

    @Option(help: ArgumentHelp("Adapter: hciN or its address (default: the first).", valueName: "ADAPTER"))
    var adapter: String?

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var duration: Double?

    @Option(name: .customLong("tek"), help: ArgumentHelp("A peer's key, to read its metadata: HEX or NAME=HEX (repeatable).", valueName: "[NAME=]HEX"))
    var teks: [String] = []

    @Option(help: ArgumentHelp("Follow the reference and the subject of this `radio calibrate` session.", valueName: "NAME"))
    var calibrationSession: String?

    @OptionGroup var configuration: RadioConfigOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parsedKeys()
        if let duration, !(duration > 0 && duration <= 604_800) { throw ValidationError("--duration must be more than 0 and at most 604,800 seconds (a week)") }
    }

    /// `--tek` values as (name, key): the name is what lines show (`tek1`, `tek2`, … by default).
    private func parsedKeys() throws -> [(String, Block16)] {
        var keys: [(String, Block16)] = try teks.enumerated().map { index, value in
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            let (name, hex) = parts.count == 2 ? (parts[0], parts[1]) : ("tek\(index + 1)", value)
            guard let key = Block16(hex: hex), !name.isEmpty else { throw ValidationError("--tek must be 32 hex digits, or NAME=32 hex digits: \(value)") }
            return (name, key)
        }
        if let calibrationSession {
            let session = CalibrationSession(name: calibrationSession)
            keys += CalibrationSession.Role.allCases.map { ($0.rawValue, session.key(for: $0)) }
        }
        return keys
    }

    struct Line: Encodable {
        var time: Double
        var rpi: String
        var rssi: Int
        var rssiCorrected: Int
        var adapter: String
        var tek: String?
        var txPower: Int?
        var attenuation: Int?
    }

    func run() async throws {
        try await reportingErrors {
            let calibration = try configuration.load().hostCalibration()
            let reader = AdvertReader(keys: try parsedKeys())
            let ownKey = TemporaryExposureKey.generate(for: ENIntervalNumber(rawValue: 0)).keyData
            let deriver = Mutex(IdentifierDeriver())
            let connection = try await RadioBus.connect()
            let window = 10.0
            let agent = RadioAgent(connection: connection,
                                   configuration: .init(adapter: adapter, schedule: .init(scanWindow: window, scanPeriod: window),
                                                        txPower: calibration.txPower, reportsAdverts: true),
                                   identifiers: { interval, power in deriver.withLock { $0.advertisement(tek: ownKey, at: interval, txPower: power) } })
            if !output.json {
                Output.line("Watching for exposure-notification adverts; this device advertises test key \(ownKey) (give it to another watcher as --tek).")
                Output.line("RSSI correction \(calibration.rssiCorrection) dB (\(calibration.sourceDescription)). Ctrl-C stops.")
            }
            let printer = Task {
                let encoder = SnakeCaseJSON.encoder([.sortedKeys])
                let formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true).dateSeparator(.dash).timeSeparator(.colon)
                for await advert in agent.adverts {
                    let corrected = advert.rssi + calibration.rssiCorrection
                    let known = reader.read(advert.payload)
                    let attenuation = known.map { Int($0.txPower) - corrected }
                    if output.json {
                        let line = Line(time: advert.time, rpi: advert.payload.rpi.description, rssi: advert.rssi, rssiCorrected: corrected,
                                        adapter: advert.adapter, tek: known?.name, txPower: known.map { Int($0.txPower) }, attenuation: attenuation)
                        if let data = try? encoder.encode(line) { FileHandle.standardOutput.write(data + Data("\n".utf8)) }
                    } else {
                        let time = Date(timeIntervalSince1970: advert.time).formatted(formatter).dropFirst(11).prefix(12)
                        var text = "\(time)  \(advert.payload.rpi.description.prefix(8))  RSSI \(advert.rssi) dBm (corrected \(corrected))"
                        if let known, let attenuation { text += "  TX \(known.txPower) dBm  attenuation \(attenuation) dB  \(known.name)" }
                        Output.line(text)
                    }
                }
            }
            let status = await agent.run(for: duration)
            _ = await printer.value
            try status.requireAdapter()
        }
    }
}

/// Reads the metadata of adverts from known keys: the key's name and the advertised TX power.
final class AdvertReader: Sendable {
    struct Known: Sendable {
        var name: String
        var txPower: Int8
    }

    private struct Key: Sendable {
        var name: String
        var rpik: Block16
        var aemk: Block16
    }

    private struct State {
        var deriver = IdentifierDeriver()
        /// Whose each RPI heard so far is (nil: a stranger's), so a packet costs one lookup.
        var owners: [RollingProximityIdentifier: Int?] = [:]
    }

    private let keys: [Key]
    private let state = Mutex(State())

    init(keys: [(String, Block16)]) {
        let deriver = IdentifierDeriver()
        self.keys = keys.map { name, key in
            let derived = deriver.keys(for: key)
            return Key(name: name, rpik: derived.rpik, aemk: derived.aemk)
        }
    }

    /// Which key sent `payload` (its RPI decrypts under the key's RPIK to a padded interval block)
    /// and the TX power its metadata says; nil for strangers.
    func read(_ payload: AdvertisementPayload) -> Known? {
        guard !keys.isEmpty else { return nil }
        return state.withLock { state -> Known? in
            let owner: Int?
            if let known = state.owners[payload.rpi] {
                owner = known
            } else {
                owner = keys.indices.first { state.deriver.interval(of: payload.rpi, rpik: keys[$0].rpik) != nil }
                if state.owners.count > 100_000 { state.owners.removeAll() }
                state.owners[payload.rpi] = .some(owner)
            }
            guard let owner else { return nil }
            // Decrypted each time: a calibration session changes the metadata under the same RPI.
            let metadata = state.deriver.decryptMetadata(payload.aem, aemk: keys[owner].aemk, rpi: payload.rpi)
            return Known(name: keys[owner].name, txPower: Int8(bitPattern: UInt8(truncatingIfNeeded: metadata >> 8)))
        }
    }
}
