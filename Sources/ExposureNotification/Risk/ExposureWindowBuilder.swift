/// Turns matched keys into exposure windows: one window per key per UTC day of its sightings.
/// Each scan that heard the key becomes one scan instance whose attenuation is the sender's TX
/// power (from its decrypted metadata) minus the RSSI (plus the configured correction). A scan that
/// heard two of the key's RPIs (the peer rotated during it, or two of our adapters heard it at once)
/// is still one scan instance, counted once, at the closer of its readings: it stands for one scan
/// period, not two.
public enum ExposureWindowBuilder {
    public static func windows(from matches: [KeyMatch], table: SightingTable,
                               configuration: RiskConfiguration) -> [ExposureWindow] {
        // A key listed again in revised_keys (e.g. its report type changed) takes the revised fields.
        var revisedFields: [Block16: TemporaryExposureKey] = [:]
        for match in matches where match.revised { revisedFields[match.key.keyData] = match.key }
        var groups: [GroupKey: Group] = [:]
        for match in matches {
            let key = revisedFields[match.key.keyData] ?? match.key
            for hit in match.hits {
                let sighting = table[hit.sightingIndex]
                let groupKey = GroupKey(keyData: match.key.keyData, day: sighting.day)
                var group = groups[groupKey] ?? Group(key: key)
                guard group.sightings.insert(hit.sightingIndex).inserted else { continue }
                let scan = scanInstance(sighting, txPower: hit.metadata.txPower, configuration: configuration)
                if let earlier = group.scanAt[sighting.time] {
                    // The same scan heard another of the key's RPIs: one instance, the closer reading.
                    let held = group.scans[earlier].1
                    group.scans[earlier].1 = ScanInstance(
                        typicalAttenuation: min(held.typicalAttenuation, scan.typicalAttenuation),
                        minAttenuation: min(held.minAttenuation, scan.minAttenuation),
                        secondsSinceLastScan: max(held.secondsSinceLastScan, scan.secondsSinceLastScan))
                } else {
                    group.scanAt[sighting.time] = group.scans.count
                    group.scans.append((sighting.time, scan))
                }
                group.confidence = max(group.confidence, hit.metadata.calibrationConfidence)
                groups[groupKey] = group
            }
        }
        return groups.map { groupKey, group in
            ExposureWindow(keyData: groupKey.keyData, day: groupKey.day, reportType: configuration.effectiveReportType(group.key.reportType),
                           infectiousness: configuration.infectiousness(daysSinceOnset: group.key.daysSinceOnsetOfSymptoms),
                           calibrationConfidence: group.confidence,
                           scanInstances: group.scans.sorted { $0.0 < $1.0 }.map(\.1))
        }
        .sorted { ($0.day, $0.scanInstances.count) < ($1.day, $1.scanInstances.count) }
    }

    /// One sighting as a scan instance: attenuation = the sender's TX power − (RSSI + the model's
    /// correction), typical from the scan's mean RSSI, minimum from its strongest (never above the
    /// typical), both within 0…255 dB; its seconds capped at the model's maximum per scan.
    public static func scanInstance(_ sighting: Sighting, txPower: Int8, configuration: RiskConfiguration) -> ScanInstance {
        let power = Int(txPower)
        let typical = clampAttenuation(power - (Int(sighting.rssiMean) + configuration.rssiCorrection))
        let minimum = clampAttenuation(power - (Int(sighting.rssiMax) + configuration.rssiCorrection))
        return ScanInstance(typicalAttenuation: typical, minAttenuation: min(minimum, typical),
                            secondsSinceLastScan: min(Int(sighting.secondsSinceLastScan), configuration.maximumSecondsPerScan))
    }

    private static func clampAttenuation(_ value: Int) -> Int { min(max(value, 0), 255) }

    private struct GroupKey: Hashable {
        var keyData: Block16
        var day: ExposureDay
    }

    private struct Group {
        var key: TemporaryExposureKey
        var sightings: Set<Int> = []
        var scans: [(Int64, ScanInstance)] = []
        /// Where the scan made at a time is in `scans`.
        var scanAt: [Int64: Int] = [:]
        var confidence: UInt8 = 0
    }
}
