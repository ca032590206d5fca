import ExposureNotification

/// The Dublin tram replay. The data keep no scans, only minutes per attenuation bin, so each row
/// becomes one minute-long scan instance per recorded minute: minute k of a bin [lo, hi) is put at
/// attenuation lo + (k mod (hi − lo)), spreading a bin's minutes evenly over its whole dB values
/// (a bin that straddles a model's threshold counts on both sides, as its readings would). Every row
/// is one placement of a pair, taken as a contact of 15 minutes or more (the minutes recorded are
/// what the radio heard, not how long the pair stood there): close when its distance is within the
/// rule's line. Scenarios are the distances.
public enum TramReplay {
    public static func cases(_ dataset: TramDataset, day: ExposureDay = ExposureDay(rawValue: 18_436)) -> [ReplayCase] {
        dataset.rows.enumerated().map { index, row in
            ReplayCase(scenario: distanceName(row.distanceMetres),
                       label: "row \(index + 1): handsets \(row.handsets.map(String.init).joined(separator: " and "))",
                       closestMetres: row.distanceMetres,
                       truth: CloseContactRule.all.map {
                           RuleTruth(rule: $0, secondsWithin: row.distanceMetres <= $0.maximumMetres + 1e-9 ? $0.minimumSeconds : 0)
                       },
                       phoneVerdict: nil, scans: scans(row, day: day))
        }
    }

    /// One 60-second scan per recorded minute (a fraction of a minute left over is one shorter scan).
    public static func scans(_ row: TramDataset.Row, day: ExposureDay) -> [ObservedScan] {
        var scans: [ObservedScan] = []
        for (bin, minutes) in row.minutes.enumerated() where bin + 1 < TramDataset.binEdges.count {
            let low = TramDataset.binEdges[bin], width = TramDataset.binEdges[bin + 1] - low
            var seconds = Int((minutes * 60).rounded())
            var step = 0
            while seconds > 0 {
                let attenuation = Double(low + step % width)
                scans.append(ObservedScan(day: day, typicalAttenuation: attenuation, minimumAttenuation: attenuation,
                                          secondsSinceLastScan: min(seconds, 60)))
                seconds -= 60
                step += 1
            }
        }
        return scans
    }

    /// `0.5 m`, `1.68 m`: the scenario a row is reported under.
    static func distanceName(_ metres: Double) -> String {
        let centimetres = Int((metres * 100).rounded())
        let text = centimetres % 100 == 0 ? "\(centimetres / 100)" : centimetres % 10 == 0 ? "\(centimetres / 100).\(centimetres % 100 / 10)"
            : "\(centimetres / 100).\(centimetres % 100 < 10 ? "0" : "")\(centimetres % 100)"
        return text + " m"
    }
}
