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
        Asks the running daemon. Exit codes: 0 all is well; 1 the daemon is not running (the store's
        counts are shown from disk); 3 consent is given but nothing is being advertised (the reason is
        shown); 4 no consent yet.
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
                let directory = state.directory
                let statistics: StoreStatistics?
                var problem: String?
                if directory.exists {
                    do throws(StoreError) {
                        statistics = try ContactStore.statistics(of: directory, now: Int64(Date().timeIntervalSince1970))
                    } catch {
                        statistics = nil
                        problem = error.description
                    }
                } else {
                    statistics = nil
                    problem = "there is no contact store in \(directory.path)"
                }
                if output.json {
                    var fields = ["daemon": "not running", "sightings": "\(statistics?.totalSightings ?? 0)",
                                  "dropped": "\(statistics?.totalDropped ?? 0)"]
                    fields["store_error"] = problem
                    fields["store_loss"] = statistics?.durabilityLoss?.description
                    try Output.json(fields)
                } else {
                    Output.line("Daemon:     not running (systemctl start bleagent)")
                    if let problem {
                        Output.line("Store:      \(problem)")
                    } else {
                        Output.line("Store:      \(statistics?.totalSightings ?? 0) sightings over \(statistics?.days.count ?? 0) days in \(directory.path)"
                                    + " (\(statistics?.totalDropped ?? 0) dropped at the daily cap)")
                    }
                    if let loss = statistics?.durabilityLoss { Output.line("Store loss: \(loss)") }
                }
                throw ExitCode(1)
            }
            if output.json { try Output.json(status) } else { printText(status) }
            if !status.consent.accepted { throw ExitCode(4) }
            if status.radio?.advertising != true { throw ExitCode(3) }
        }
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
