import AgentTime
import ArgumentParser
import BlueZ
import Durability
import ExposureNotification
import Foundation
import Synchronization

/// `bleagent radio calibrate`: measure this device against a reference at a known distance.
struct RadioCalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate this device's TX power and RSSI correction against a reference device.",
        discussion: """
        Two devices stand --distance metres apart (1 m by default) and each runs this verb with the \
        same --session name: the reference (a device whose calibration is known: its [radio] \
        tx_power_dbm and rssi_correction_db are right) with --reference, the subject without. Start \
        the reference first; it runs a minute longer by default. Both advertise throw-away keys \
        derived from the session name (never the agent's own) and scan without pause; the reference \
        puts how it hears the subject into its adverts, so nothing has to be copied between them.

        At the end the subject prints the TX power that makes the reference compute, for it, the \
        attenuation two calibrated devices compute at that distance, and the RSSI correction that \
        makes it compute that attenuation for the reference; with the median, spread and number of \
        packets. --write puts both into the [radio] table of the configuration file (other lines stay \
        as they are); restart the agent afterwards. See README "Calibration" for the procedure: line \
        of sight, same height, nothing between or close behind, 3 minutes or more.
        """
    )

    @Option(help: ArgumentHelp("The session name both devices use.", valueName: "NAME"))
    var session: String

    @Flag(help: "This device is the reference (its configured calibration is trusted).")
    var reference = false

    @Option(help: ArgumentHelp("Distance between the two devices, metres.", valueName: "METRES"))
    var distance: Double = 1

    @Option(help: "How long to measure, seconds (default: 180; 240 for the reference).")
    var duration: Double?

    @Option(help: ArgumentHelp("Adapter: hciN or its address (default: the first).", valueName: "ADAPTER"))
    var adapter: String?

    @Flag(help: "Write the result into the configuration file's [radio] table (subject only).")
    var write = false

    @OptionGroup var configuration: RadioConfigOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !session.isEmpty, session.count <= 64 else { throw ValidationError("--session must be 1–64 characters") }
        guard distance >= 0.2, distance <= 10 else { throw ValidationError("--distance must be 0.2–10 metres") }
        if let duration, !(10...86_400).contains(duration) { throw ValidationError("--duration must be 10–86,400 seconds") }
        if write && reference { throw ValidationError("--write is for the subject: a reference keeps its calibration") }
    }

    /// What this device heard of its peer so far.
    struct Heard: Sendable {
        var rssi: [Int] = []
        var peerTxPower: Int8?
        var peerHeard: Int8?
    }

    struct ReferenceReport: Encodable {
        var role = "reference"
        var session: String
        var subjectPackets: Int
        var subjectMedianCorrectedRSSI: Double?
        var subjectSpread: Double?
        var subjectTxPower: Int?
    }

    struct SubjectReport: Encodable {
        var role = "subject"
        var session: String
        var estimate: CalibrationEstimate
        var written: String?
    }

    func run() async throws {
        try await reportingErrors {
            let loaded = try configuration.load()
            let calibration = loaded.hostCalibration()
            let role: CalibrationSession.Role = reference ? .reference : .subject
            let sessionKeys = CalibrationSession(name: session)
            if reference, case .boardDefault = calibration.source {
                Output.warning("this reference uses its board's default calibration (\(calibration.sourceDescription)); a reference should be measured")
            }
            let heard = Mutex(Heard())
            let correction = calibration.rssiCorrection
            // How this device hears its peer, corrected, once it has heard enough to say.
            let heardNow: @Sendable () -> Int8? = {
                let rssi = heard.withLock { $0.rssi }
                guard rssi.count >= 10, let stats = SampleDistribution(rssi) else { return nil }
                let value = (stats.median + Double(correction)).rounded()
                return Int8(exactly: max(-126, min(20, value)))
            }
            let deriver = Mutex(IdentifierDeriver())
            let txPower = calibration.txPower
            // Identifiers change every 10–20 s (a 60× clock: this session's adverts only), so what
            // each device says of the other reaches the air while the session runs.
            let clock = AgentClock(origin: Date().timeIntervalSince1970, speed: 60)
            let window = 10.0
            let connection = try await RadioBus.connect()
            let agent = RadioAgent(
                connection: connection,
                configuration: .init(adapter: adapter ?? loaded.adapter, schedule: .init(scanWindow: window, scanPeriod: clock.simulatedSeconds(for: window)),
                                     txPower: txPower, reportsAdverts: true),
                clock: clock,
                identifiers: { interval, _ in
                    let metadata = CalibrationSession.Metadata(txPower: txPower, heard: heardNow())
                    return deriver.withLock { sessionKeys.advertisement(role, interval: interval, metadata: metadata, deriver: $0) }
                })
            let reader = Mutex(IdentifierDeriver())
            let peerRPIK = IdentifierDeriver().keys(for: sessionKeys.key(for: role.peer)).rpik
            let collector = Task {
                for await advert in agent.adverts {
                    let metadata: CalibrationSession.Metadata? = reader.withLock { deriver in
                        guard deriver.interval(of: advert.payload.rpi, rpik: peerRPIK) != nil else { return nil }
                        return sessionKeys.read(advert.payload, from: role.peer, deriver: deriver)
                    }
                    guard let metadata else { continue }
                    heard.withLock { state in
                        if state.rssi.count < 1_000_000 { state.rssi.append(advert.rssi) }
                        state.peerTxPower = metadata.txPower
                        if let value = metadata.heard { state.peerHeard = value }
                    }
                }
            }
            if !output.json {
                Output.line("Calibration session \"\(session)\": this device is the \(role.rawValue), \(distance) m from the \(role.peer.rawValue). Measuring for \(Int(duration ?? (reference ? 240 : 180))) s…")
            }
            let status = await agent.run(for: duration ?? (reference ? 240 : 180))
            _ = await collector.value
            try status.requireAdapter()
            let result = heard.withLock { $0 }
            if reference {
                try reportReference(result, correction: correction)
            } else {
                try reportSubject(result, configuration: loaded)
            }
        }
    }

    private func reportReference(_ heard: Heard, correction: Int) throws {
        let stats = SampleDistribution(heard.rssi)
        let report = ReferenceReport(session: session, subjectPackets: heard.rssi.count,
                                     subjectMedianCorrectedRSSI: stats.map { $0.median + Double(correction) },
                                     subjectSpread: stats?.interquartileRange, subjectTxPower: heard.peerTxPower.map(Int.init))
        if output.json { try Output.json(report); return }
        guard let stats else {
            throw CLIError(.failure, "heard nothing of the subject: is it running `bleagent radio calibrate --session \(session)` within range?")
        }
        Output.line("Heard the subject: \(heard.rssi.count) packets, median \(format(stats.median + Double(correction))) dBm with this device's correction, spread (IQR) \(format(stats.interquartileRange)) dB.")
        Output.line("The subject computes its calibration from what this device advertised; see its output.")
    }

    private func reportSubject(_ heard: Heard, configuration loaded: AgentConfiguration) throws {
        let estimate: CalibrationEstimate
        do throws(CalibrationEstimate.Failure) {
            estimate = try CalibrationEstimate.estimate(rssi: heard.rssi, referenceTxPower: heard.peerTxPower ?? 0,
                                                        referenceHeard: heard.peerHeard, distance: distance)
        } catch {
            throw CLIError(.failure, error.description)
        }
        var written: String?
        if write {
            let path = configuration.config ?? AgentConfiguration.standardPath
            let day = ExposureDay(unixSeconds: Int64(Date().timeIntervalSince1970)).iso8601
            let note = "\(day), \(format(distance)) m from a reference, \(estimate.heardPackets) packets"
            try CalibrationWriter.write(estimate, note: note, to: path)
            written = path
        }
        if output.json { try Output.json(SubjectReport(session: session, estimate: estimate, written: written)); return }
        Output.line("Heard the reference: \(estimate.heardPackets) packets, median \(format(estimate.heardMedian)) dBm, spread (IQR) \(format(estimate.heardSpread)) dB; it advertises \(estimate.referenceTxPower) dBm.")
        Output.line("The reference hears this device at \(estimate.referenceHeard) dBm (with its correction).")
        Output.line("Two calibrated devices \(format(distance)) m apart compute an attenuation of \(format(estimate.expectedAttenuation)) dB.")
        Output.line("")
        Output.line("  tx_power_dbm = \(estimate.txPowerDbm)")
        Output.line("  rssi_correction_db = \(estimate.rssiCorrectionDb)")
        Output.line("")
        if let written {
            Output.line("Written to the [radio] table of \(written). Restart the agent: systemctl restart bleagent")
        } else {
            Output.line("Put these in the [radio] table of the configuration, or run again with --write.")
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
