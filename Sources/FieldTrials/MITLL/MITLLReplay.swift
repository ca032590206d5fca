import ExposureNotification

/// The MITLL-UA replay: in each run, the sick phone's advertised RPIs are looked for in every other
/// phone's sighting records (RPI equality is the match: the data hold no keys); each scan that heard
/// one becomes an observed scan of that receiver, at attenuation = the RPI's metadata TX power −
/// (RSSI + the receiver's `rssi_offset`), typical from the mean of the scan's packets, minimum from
/// its strongest. Only sightings between the run's start and stop count (wall-clock times
/// read in the offset of the phones' logs: `TrialRunInfo.span(inOffset:)`). The ground truth comes from
/// the setup positions (`AgentTrack`); the phone's own verdict from the info file.
public enum MITLLReplay {
    /// A scenario's data as the loader found it.
    public struct Scenario: Sendable {
        public var name: String
        public var setup: TrialSetup
        public var runs: [Run]

        public init(name: String, setup: TrialSetup, runs: [Run]) {
            self.name = name
            self.setup = setup
            self.runs = runs
        }
    }

    public struct Run: Sendable {
        public var info: TrialRunInfo
        /// Each phone's log by phone id.
        public var logs: [String: DumpsysLog]

        public init(info: TrialRunInfo, logs: [String: DumpsysLog]) {
            self.info = info
            self.logs = logs
        }
    }

    /// What was left out and why (the reason → how many receivers, or readings).
    public typealias Exclusions = [String: Int]

    public static let noScanRecords = "receiver's log has no sighting records (the iPhones' logs carry none)"
    public static let noLog = "no log for the receiver's phone"
    public static let droppedReadings = "RSSI readings out of −127…20 dBm, dropped from their scans"
    public static let noSenderRPIs = "the sick phone's log lists no advertised RPI"

    public static func cases(_ scenario: Scenario) -> (cases: [ReplayCase], excluded: Exclusions) {
        var cases: [ReplayCase] = []
        var excluded: Exclusions = [:]
        for run in scenario.runs {
            let dropped = run.logs.values.reduce(0) { $0 + $1.discardedReadings }
            if dropped > 0 { excluded[droppedReadings, default: 0] += dropped }
            guard let sick = run.info.sick else { continue }
            // The logs' offset where they agree on one (the info files missed the switch to summer time).
            let offsets = Set(run.logs.values.flatMap(\.utcOffsets))
            let span = offsets.count == 1 ? run.info.span(inOffset: offsets.first ?? run.info.utcOffset) : run.info.start...run.info.stop
            let receivers = run.info.participants.filter { $0.exposure != "sick" }
            let power = Dictionary(run.logs[sick.phone]?.advertisements.map { ($0.rpi, $0.txPower) } ?? [], uniquingKeysWith: { first, _ in first })
            guard !power.isEmpty else {
                excluded[noSenderRPIs, default: 0] += receivers.count
                continue
            }
            for receiver in receivers {
                guard let log = run.logs[receiver.phone] else {
                    excluded[noLog, default: 0] += 1
                    continue
                }
                guard log.sightings.contains(where: { !$0.scans.isEmpty }) else {
                    excluded[noScanRecords, default: 0] += 1
                    continue
                }
                let offset = Int64(clamping: Int((scenario.setup.phone(receiver.phone)?.timeOffset ?? 0).rounded()))
                let scans = observedScans(log: log, senderPower: power, clockOffset: offset, range: span)
                let proximity = scenario.setup.agent(sick.agent).flatMap { sender in
                    scenario.setup.agent(receiver.agent).flatMap {
                        AgentTrack.proximity(sender, $0, runSeconds: Int(run.info.stop - run.info.start))
                    }
                }
                let truth = proximity.map { found in
                    zip(CloseContactRule.all, found.secondsWithin).map { RuleTruth(rule: $0, secondsWithin: $1) }
                } ?? []
                cases.append(ReplayCase(scenario: scenario.name,
                                        label: "\(run.info.testID) \(sick.agent)(\(sick.phone))→\(receiver.agent)(\(receiver.phone))",
                                        closestMetres: proximity?.closestMetres, truth: truth,
                                        phoneVerdict: receiver.exposure, scans: scans))
            }
        }
        return (cases, excluded)
    }

    /// The receiver's scans that heard any of the sender's RPIs; a scan that heard two of them (the
    /// sender rotated during it) is one scan, at the closer reading.
    public static func observedScans(log: DumpsysLog, senderPower: [String: Int], clockOffset: Int64,
                                     range: ClosedRange<Int64>) -> [ObservedScan] {
        let timeline = ScanTimeline(log: log, clockOffset: clockOffset, range: range)
        let correction = Double(log.rssiOffset ?? 0)
        var byScan: [Int: ObservedScan] = [:]
        for sighting in log.sightings {
            guard let tx = senderPower[sighting.rpi].map(Double.init) else { continue }
            for scan in sighting.scans {
                let time = scan.start - clockOffset
                guard range.contains(time), let index = timeline.scanIndex(at: time) else { continue }
                let mean = Double(scan.rssi.reduce(0, +)) / Double(scan.rssi.count)
                let strongest = Double(scan.rssi.max() ?? 0)
                let observed = ObservedScan(day: ExposureDay(unixSeconds: timeline.starts[index]),
                                            typicalAttenuation: tx - (mean + correction),
                                            minimumAttenuation: tx - (strongest + correction),
                                            secondsSinceLastScan: timeline.secondsSinceLastScan(index))
                if let held = byScan[index] {
                    byScan[index]?.typicalAttenuation = min(held.typicalAttenuation, observed.typicalAttenuation)
                    byScan[index]?.minimumAttenuation = min(held.minimumAttenuation, observed.minimumAttenuation)
                } else {
                    byScan[index] = observed
                }
            }
        }
        return byScan.sorted { $0.key < $1.key }.map(\.value)
    }
}
