/// One matcher thread's work on the keys of a file: derive each key's RPIs, probe the day
/// partitions, and keep the keys that hit. Owns its `IdentifierDeriver` and buffers; not shared.
///
/// Keys are handled in small batches (derive a batch, then probe it) so that the stage timings cost
/// a few clock reads per batch rather than per key, while a batch's RPIs stay in L1/L2.
struct KeyProbe: ExportKeySink {
    static let batchSize = 16

    let index: SightingIndex
    let deriver: IdentifierDeriver
    private let rpis: UnsafeMutableRawBufferPointer
    private var batch: [(key: TemporaryExposureKey, revised: Bool, rpik: Block16, count: Int)] = []
    private(set) var matches: [KeyMatch] = []
    private(set) var keys = 0
    private(set) var skippedKeys = 0
    /// Key records of this file that repeated a key already matched in it (same key data, same
    /// list): not derived or kept again, so a file repeating one key cannot multiply its cost.
    private(set) var duplicateKeys = 0
    /// The keys of this file that matched, by list (`keys`, `revised_keys`).
    private var matchedKeyData: Set<MatchedKey> = []
    private struct MatchedKey: Hashable {
        var keyData: Block16
        var revised: Bool
    }
    /// Past this many matched keys the file is refused (`tooManyMatches`): no real file of other
    /// people's keys matches more, and the matches held must stay bounded.
    let maximumMatchedKeys: Int
    private(set) var deriveNanoseconds: UInt64 = 0
    private(set) var probeNanoseconds: UInt64 = 0
    private var hits: [KeyMatch.Hit] = []
    /// The partition of the last day looked up: keys of a file are nearly all of one day.
    private var cachedDay: UInt32 = .max
    private var cachedPartition: DayPartition?

    /// Allocates the batch buffer; call `release()` when the thread is done.
    init(index: SightingIndex, deriver: IdentifierDeriver, maximumMatchedKeys: Int = ExportFile.Limits.default.maximumMatchedKeys) {
        self.index = index
        self.deriver = deriver
        self.maximumMatchedKeys = maximumMatchedKeys
        rpis = .allocate(byteCount: Self.batchSize * 144 * 16, alignment: 64)
        batch.reserveCapacity(Self.batchSize)
    }

    func release() { rpis.deallocate() }

    /// Starts a new file: results of the previous one are handed back and cleared.
    mutating func takeMatches() -> [KeyMatch] {
        defer {
            matches = []
            matchedKeyData = []
        }
        return matches
    }

    mutating func resetCounters() {
        keys = 0
        skippedKeys = 0
        duplicateKeys = 0
    }

    /// Whether more keys matched than `maximumMatchedKeys`.
    var tooManyMatches: Bool { matches.count > maximumMatchedKeys }

    mutating func consume(_ key: TemporaryExposureKey, revised: Bool) {
        keys += 1
        // A key whose days hold no sightings cannot match: skip the crypto entirely.
        let start = key.rollingStartIntervalNumber.rawValue
        let perDay = ENIntervalNumber.intervalsPerDay
        let firstDay = start / perDay, lastDay = (start &+ key.rollingPeriod &- 1) / perDay
        guard partition(forDay: firstDay) != nil || (lastDay != firstDay && partition(forDay: lastDay) != nil) else {
            skippedKeys += 1
            return
        }
        // Past the cap the file will be refused: spend nothing more on it.
        guard !tooManyMatches else { return }
        guard !matchedKeyData.contains(MatchedKey(keyData: key.keyData, revised: revised)) else {
            duplicateKeys += 1
            return
        }
        batch.append((key, revised, .zero, Int(key.rollingPeriod)))
        if batch.count == Self.batchSize { flush() }
    }

    /// Derives and probes what is batched.
    mutating func flush() {
        guard !batch.isEmpty else { return }
        let started = monotonicNanoseconds()
        for position in batch.indices {
            let entry = batch[position]
            let rpik = deriver.rollingProximityIdentifierKey(for: entry.key.keyData)
            batch[position].rpik = rpik
            batch[position].count = deriver.encryptIdentifiers(
                rpik: rpik, from: entry.key.rollingStartIntervalNumber.rawValue, count: entry.count,
                into: rpis.baseAddress! + position * 144 * 16)
        }
        let derived = monotonicNanoseconds()
        for position in batch.indices {
            let entry = batch[position]
            probe(entry.key, revised: entry.revised, count: entry.count,
                  rpis: UnsafeRawBufferPointer(rebasing: rpis[(position * 144 * 16)..<((position + 1) * 144 * 16)]))
        }
        batch.removeAll(keepingCapacity: true)
        let probed = monotonicNanoseconds()
        deriveNanoseconds += derived - started
        probeNanoseconds += probed - derived
    }

    @inline(__always)
    private mutating func partition(forDay day: UInt32) -> DayPartition? {
        if day != cachedDay {
            cachedDay = day
            cachedPartition = index.partition(forDay: day)
        }
        return cachedPartition
    }

    /// The sightings of `rpi` (the key's RPI of `interval`, admitted by the filter) that lie within
    /// the tolerance of `interval`, appended to `hits`.
    @inline(__always)
    private mutating func collectHits(of rpi: Block16, interval: UInt32, in partition: DayPartition) {
        for member in partition.group(lo: rpi.lo) {
            let sighting = index.table.sightings[Int(member)]
            guard sighting.rpi.value.hi == rpi.hi, let seen = sighting.interval?.rawValue else { continue }
            let distance = seen > interval ? seen - interval : interval - seen
            guard distance <= SightingIndex.toleranceIntervals else { continue }
            hits.append(KeyMatch.Hit(sightingIndex: Int(member), interval: ENIntervalNumber(rawValue: interval),
                                     metadata: AssociatedMetadata(txPower: 0)))
        }
    }

    @inline(__always)
    private mutating func probe(_ key: TemporaryExposureKey, revised: Bool, count: Int, rpis: UnsafeRawBufferPointer) {
        let start = key.rollingStartIntervalNumber.rawValue
        let end = start &+ UInt32(count)
        let perDay = ENIntervalNumber.intervalsPerDay
        var segment = start
        while segment < end {
            let day = segment / perDay
            let segmentEnd = min(end, (day + 1) * perDay)
            if let partition = partition(forDay: day), let base = rpis.baseAddress {
                // The filter first, 64 RPIs at a time without branches; then the few it admits.
                var chunk = segment
                while chunk < segmentEnd {
                    let chunkEnd = min(segmentEnd, chunk + 64)
                    var admitted = partition.admitted(base + Int(chunk - start) * 16, count: Int(chunkEnd - chunk))
                    while admitted != 0 {
                        let interval = chunk + UInt32(admitted.trailingZeroBitCount)
                        admitted &= admitted &- 1
                        collectHits(of: Block16(loadingFrom: rpis, at: Int(interval - start) * 16), interval: interval, in: partition)
                    }
                    chunk = chunkEnd
                }
            }
            segment = segmentEnd
        }
        guard !hits.isEmpty else { return }
        // A copy of a key matched earlier in this batch.
        guard matchedKeyData.insert(MatchedKey(keyData: key.keyData, revised: revised)).inserted else {
            hits.removeAll(keepingCapacity: true)
            duplicateKeys += 1
            return
        }
        // Only now, for a key that hit: its AEMK, and the metadata of each hit.
        let aemk = deriver.associatedEncryptedMetadataKey(for: key.keyData)
        var kept: [KeyMatch.Hit] = []
        var invalid = 0
        for var hit in hits {
            let sighting = index.table.sightings[hit.sightingIndex]
            let raw = deriver.decryptMetadata(sighting.aem, aemk: aemk, rpi: sighting.rpi)
            if let metadata = try? AssociatedMetadata(decoding: raw) {
                hit.metadata = metadata
                kept.append(hit)
            } else {
                invalid += 1
            }
        }
        hits.removeAll(keepingCapacity: true)
        matches.append(KeyMatch(key: key, revised: revised, hits: kept, invalidMetadata: invalid))
    }
}
