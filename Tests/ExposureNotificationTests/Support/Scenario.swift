import ExposureNotification
import Foundation
import TestSupport

/// Builds what a scanner would have recorded near a key's owner, and runs the whole matching path.
struct Scenario {
    var sightings: [Sighting] = []
    let deriver = IdentifierDeriver()

    /// Scans every `every` seconds over `minutes` from `start` (unix seconds), hearing `key`'s RPI of
    /// each moment at `rssi` with metadata TX power `txPower`; `intervalShift` records the RPI of
    /// another interval than the one the scan is in (to test the ±12 tolerance).
    mutating func meet(_ key: TemporaryExposureKey, from start: Int64, minutes: Int, every: Int = 120,
                       rssi: Int8, txPower: Int8 = 8, intervalShift: Int = 0) {
        let keys = deriver.keys(for: key.keyData)
        var time = start
        while time < start + Int64(minutes * 60) {
            time += Int64(every)
            guard let scanInterval = ENIntervalNumber(unixSeconds: time),
                  let rpiInterval = scanInterval.advanced(by: intervalShift) else { continue }
            let rpi = deriver.identifier(rpik: keys.rpik, at: rpiInterval)
            let aem = deriver.associatedEncryptedMetadata(.version1_0(txPower: txPower), aemk: keys.aemk, rpi: rpi)
            sightings.append(Sighting(rpi: rpi, aem: aem, time: time, rssiMax: rssi, rssiMean: rssi,
                                      secondsSinceLastScan: UInt16(every)))
        }
    }

    /// Noise: RPIs nobody will ever publish.
    mutating func addStrangers(_ count: Int, around time: Int64, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for index in 0..<count {
            sightings.append(Sighting(rpi: RollingProximityIdentifier(Block16(lo: rng.next(), hi: rng.next())),
                                      aem: AssociatedEncryptedMetadata(rawValue: UInt32(truncatingIfNeeded: rng.next())),
                                      time: time + Int64(index % 86_400), rssiMax: -60, rssiMean: -62, secondsSinceLastScan: 240))
        }
    }

    func match(_ containers: [ExportContainer], keyring: VerificationKeyring = VerificationKeyring(),
               policy: SignaturePolicy = .allowUnverified, processed: Set<FileDigest> = [], workers: Int? = nil) -> (MatchReport, SightingIndex) {
        let index = SightingIndex(table: SightingTable(sightings))
        let matcher = Matcher(index: index, keyring: keyring, policy: policy)
        let sources = containers.enumerated().map { position, container in
            ExportSource(name: "file\(position)") { container }
        }
        return (matcher.match(sources, alreadyProcessed: processed, workers: workers), index)
    }

    func judge(_ containers: [ExportContainer], configuration: RiskConfiguration = .cocoa, today: ExposureDay) -> [DailyRisk] {
        let (report, index) = match(containers)
        let windows = ExposureWindowBuilder.windows(from: report.matches, table: index.table, configuration: configuration)
        return ContactJudgement.dailyRisks(windows: windows, configuration: configuration, today: today)
    }
}
