import ExposureNotification

/// `bleagent field replay`: each dataset's contacts judged by each risk model.
public enum FieldReplay {
    /// - Parameter piCalibration: also judge the NIST Pis as calibrated thus (bleagent's Pi default).
    public static func report(_ names: [FieldDataset.Name], from dataset: FieldDataset, configurations: [RiskConfiguration],
                              piCalibration: PiReplay.Calibration? = nil) throws(FieldDataError) -> FieldReplayReport {
        var replays: [DatasetReplay] = []
        for name in names {
            switch name {
            case .mitllUA: replays.append(mitll(try dataset.mitllScenarios(), configurations: configurations))
            case .dublinTram: replays.append(tram(try dataset.tramDataset(), configurations: configurations))
            case .nistRPi:
                let captures = try dataset.piCaptures()
                replays.append(pi(captures, configurations: configurations))
                if let piCalibration { replays.append(pi(captures, configurations: configurations, calibration: piCalibration)) }
            }
        }
        return FieldReplayReport(datasets: replays)
    }

    public static func mitll(_ scenarios: [MITLLReplay.Scenario], configurations: [RiskConfiguration]) -> DatasetReplay {
        var cases: [ReplayCase] = []
        var excluded: MITLLReplay.Exclusions = [:]
        for scenario in scenarios {
            let found = MITLLReplay.cases(scenario)
            cases += found.cases
            excluded.merge(found.excluded, uniquingKeysWith: +)
        }
        let runs = scenarios.reduce(0) { $0 + $1.runs.count }
        var replay = DatasetReplay(
            dataset: FieldDataset.Name.mitllUA.rawValue,
            title: "MITLL-UA scenario trials (\(runs) runs, \(scenarios.count) scenarios)",
            method: [
                "contact = the sick phone → another phone of the run; scans = the receiver's sighting records of the sick phone's RPIs between start and stop",
                "attenuation = the RPI's metadata TX power − (RSSI + the receiver's rssi_offset); typical from the scan's mean RSSI, each scan stands for the time since the receiver's previous scan",
                "close = within the rule's distance for ≥ 15 min, from the setup positions (LargeParty used motion capture, not in the data: no ground truth)",
                "TPR = flagged close / close, FPR = flagged not close / not close; AGREES = the model flags exactly the phones whose own verdict was high (high or low)",
                "\(LeaveOneScenarioOut.name): tuned on the other scenarios, reported on the one left out (never on the data it was tuned on); not in the per-contact JSON",
            ],
            cases: cases, excluded: excluded, configurations: configurations)
        replay.models.append(LeaveOneScenarioOut.rates(cases))
        return replay
    }

    public static func tram(_ dataset: TramDataset, configurations: [RiskConfiguration]) -> DatasetReplay {
        let cases = TramReplay.cases(dataset).enumerated()
            .sorted { ($0.element.closestMetres ?? 0, $0.offset) < ($1.element.closestMetres ?? 0, $1.offset) }.map(\.element)
        return DatasetReplay(
            dataset: FieldDataset.Name.dublinTram.rawValue,
            title: "Dublin tram (Leith & Farrell 2020: \(dataset.rows.count) handset pairs × placements)",
            method: [
                "contact = one row (a pair at one distance); each recorded minute = a 60 s scan, a bin's minutes spread evenly over its whole dB values",
                "each row is taken as ≥ 15 minutes together: close = its distance within the rule's line; scenarios are the distances",
                "TPR = flagged close / close, FPR = flagged not close / not close",
            ],
            cases: cases, excluded: [:], configurations: configurations)
    }

    public static func pi(_ captures: [PiReplay.Capture], configurations: [RiskConfiguration],
                          calibration: PiReplay.Calibration? = nil) -> DatasetReplay {
        let ordered = captures.sorted { ($0.distanceCentimetres, $0.receiver) < ($1.distanceCentimetres, $1.receiver) }
        let discarded = captures.reduce(0) { $0 + $1.capture.discarded }
        let attenuation = calibration.map { "attenuation = \($0.txPower) dBm (bleagent's Pi calibration, not the +12 dBm the Pis advertised) − (RSSI + \($0.rssiCorrection) dB)" }
            ?? "attenuation = the packet's TX power (metadata byte 0c = +12 dBm, the controller's conducted level) − RSSI; no RSSI correction"
        return DatasetReplay(
            dataset: FieldDataset.Name.nistRPi.rawValue + (calibration == nil ? "" : "-calibrated"),
            title: "NIST Raspberry Pi RSSI (\(captures.count) captures, \(Set(captures.map(\.distanceCentimetres)).count) distances)"
                + (calibration == nil ? ", as the Pis advertised" : ", judged with bleagent's default Pi calibration"),
            method: [
                attenuation,
                "contact = a whole 15-minute slice of a capture; each minute that heard packets = a 60 s scan at the minute's mean attenuation",
                "close = the capture's distance within the rule's line; scenarios are the distances (both Pis receiving)",
            ],
            cases: PiReplay.cases(captures, calibration: calibration),
            excluded: discarded > 0 ? ["packets discarded as nonsense (RSSI out of range, garbled fields)": discarded] : [:],
            configurations: configurations, distances: ordered.map { PiReplay.summary($0, calibration: calibration) })
    }
}
