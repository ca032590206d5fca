import ArgumentParser
import ContactStore
import ExposureNotification
import Foundation

/// `bleagent status`: what the daemon is doing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show consent, the radio, today's sightings and the key downloads.",
        discussion: """
        Asks the running daemon; when it is down, reads what it can from the store (its counts need \
        no key; consent and contact days need the store's key) and creates nothing. --json has one \
        schema either way: daemon_running says which, and what only the daemon knows is null.

        Exit codes: 0 the daemon runs and records; 1 it runs but records nothing (no consent yet, or \
        nothing advertised: the reason is shown); 69 the daemon is not running (what the store holds \
        is shown, or why it cannot be: no store there, or this user may not read it).
        """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let status: DaemonStatus
            do throws(DaemonClient.Failure) {
                status = try await DaemonClient.connect().json("GetStatus", as: DaemonStatus.self)
            } catch {
                guard case .notRunning = error else { throw CLIError(.failure, DaemonClient.explain(error)) }
                try await reportFromStore()
                return
            }
            if output.json { try Output.json(StatusReport(status)) } else { printText(status) }
            if !status.consent.accepted || status.radio?.advertising != true { throw ExitCode(1) }
        }
    }

    /// With the daemon down: what the store holds (or why it cannot be read, in store_error), then exit 69.
    private func reportFromStore() async throws {
        let directory = try state.directory()
        let now = Int64(Date().timeIntervalSince1970)
        var report = StatusReport(stateDirectory: directory.path, now: now)
        var counted = false
        do throws(StoreError) {
            try report.add(ContactStore.statistics(of: directory, now: now), now: now)
            counted = true
            await report.addRecords(of: directory, now: now)
        } catch {
            report.storeError = error.description
        }
        if output.json {
            try Output.json(report)
        } else {
            Output.line("Daemon:     not running (systemctl start bleagent)")
            if counted {
                Output.line("Store:      \(report.sightingsToday) sightings today in \(directory.path)"
                            + " (\(report.droppedToday) dropped at the daily cap)")
            }
            if let consent = report.consent { Output.line("Consent:    \(consent.accepted ? "given" : "not given")") }
            if let days = report.contactDays { Output.line("Contact days: \(days) in the last 14 days (bleagent exposures)") }
            if let problem = report.storeError { Output.line("Store:      \(problem)") }
            if let loss = report.storeLoss { Output.line("Store loss: \(loss)") }
        }
        throw CLIError(.unavailable, DaemonClient.explain(.notRunning)).exitCode
    }

    private func printText(_ status: DaemonStatus) {
        func ago(_ time: Double?) -> String {
            guard let time else { return "never" }
            let seconds = Int(status.now - time)
            return seconds < 120 ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
        }
        func until(_ time: Double?) -> String {
            guard let time else { return "not scheduled" }
            let seconds = Int(time - status.now)
            return seconds <= 0 ? "now" : seconds < 7200 ? "in \(seconds / 60) min" : "in \(seconds / 3600) h"
        }
        Output.line("Consent:        \(status.consent.accepted ? "given" : "not given — run `bleagent consent --accept`")")
        if let clock = status.clock { Output.line("Clock:          \(clock)") }
        let calibration = status.calibration
        Output.line("Calibration:    TX power \(calibration.txPowerDbm) dBm, RSSI correction \(calibration.rssiCorrectionDb) dB: \(calibration.description)")
        if let radio = status.radio {
            Output.line("Adapter:        \(radio.adapter ?? "none")\(radio.powered ? "" : " (powered off)")\(radio.controllerTxPower.map { "; its controller says it transmits \($0) dBm (conducted, not advertised)" } ?? "")")
            if radio.advertising {
                Output.line("Advertising:    yes, identifier and address changed \(radio.rotationAgeSeconds.map { "\(Int($0)) s" } ?? "?") ago")
            } else {
                Output.line("Advertising:    NO — \(radio.quietReason ?? "unknown reason")")
            }
            Output.line("Interval:       \(radio.advertisingInterval)")
            Output.line("Scanning:       \(radio.scanning), last scan \(ago(radio.lastScanAt))")
            if let error = radio.lastError { Output.line("Radio error:    \(error) [\(radio.platform)]") }
        }
        Output.line("Sightings today: \(status.sightingsToday) (\(status.droppedToday) dropped at the daily cap)")
        Output.line("Downloads:      last \(ago(status.downloads.lastAt)), next \(until(status.downloads.nextAt)); \(status.downloads.filesProcessed) files processed from \(status.downloads.sources) source\(status.downloads.sources == 1 ? "" : "s")")
        if let error = status.downloads.lastError { Output.line("Download error: \(error)") }
        Output.line("Contact days:   \(status.contactDays) in the last 14 days (bleagent exposures)")
        if let error = status.storeError { Output.line("Store error:    \(error)") }
        if let loss = status.storeLoss { Output.line("Store loss:     \(loss)") }
    }
}
