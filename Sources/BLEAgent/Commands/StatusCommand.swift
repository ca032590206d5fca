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
        is shown, or why it cannot be: no store there, or this user may not read it); 77 the daemon \
        runs but this user may not ask it (root and the bleagent group may).
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
                guard case .notRunning = error else { throw DaemonClient.cliError(error) }
                try await reportFromStore()
                return
            }
            if output.json { try Output.json(StatusReport(status)) } else { printText(status, output.language) }
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
            report.storeFailure = error
        }
        if output.json {
            try Output.json(report)
        } else {
            var lines: [StatusText] = [.daemonDown]
            if counted { lines.append(.storeCounts(sightings: report.sightingsToday, directory: directory.path, dropped: report.droppedToday)) }
            if let consent = report.consent { lines.append(.storeConsent(accepted: consent.accepted)) }
            if let days = report.contactDays { lines.append(.storeContactDays(days)) }
            if let problem = report.storeFailure { lines.append(.storeProblem(problem)) }
            if let loss = report.storeLoss { lines.append(.storeLossOffline(loss)) }
            for line in lines { Output.line(line.text(output.language)) }
        }
        throw CLIError(.unavailable, DaemonClient.explain(.notRunning)).exitCode
    }

    private func printText(_ status: DaemonStatus, _ language: Language) {
        var lines: [StatusText] = [.consent(accepted: status.consent.accepted)]
        if let clock = status.clock { lines.append(.clock(clock)) }
        let calibration = status.calibration
        lines.append(.calibration(txPowerDbm: calibration.txPowerDbm, rssiCorrectionDb: calibration.rssiCorrectionDb, note: calibration.description))
        if let radio = status.radio {
            lines.append(.adapter(name: radio.adapter, powered: radio.powered, controllerTxPower: radio.controllerTxPower))
            if radio.advertising {
                let age = radio.rotationAgeSeconds.flatMap { $0.isFinite && abs($0) < Double(Int32.max) ? Int($0) : nil }
                lines.append(.advertising(rotatedSecondsAgo: age))
            } else {
                lines.append(.notAdvertising(reason: radio.quietReason))
            }
            lines.append(.interval(radio.advertisingInterval))
            lines.append(.scanning(state: radio.scanning, lastScan: .since(radio.lastScanAt, now: status.now)))
            if let error = radio.lastError { lines.append(.radioError(error, platform: radio.platform)) }
        }
        lines.append(.sightingsToday(status.sightingsToday, dropped: status.droppedToday))
        lines.append(.downloads(last: .since(status.downloads.lastAt, now: status.now), next: .until(status.downloads.nextAt, now: status.now),
                                files: status.downloads.filesProcessed, sources: status.downloads.sources))
        if let error = status.downloads.lastError { lines.append(.downloadError(error)) }
        lines.append(.contactDays(status.contactDays))
        if let error = status.storeError { lines.append(.storeError(error)) }
        if let loss = status.storeLoss { lines.append(.storeLoss(loss)) }
        for line in lines { Output.line(line.text(language)) }
    }
}
