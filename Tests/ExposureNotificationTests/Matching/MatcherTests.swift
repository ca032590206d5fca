import Crypto
import ExposureNotification
import Foundation
import Testing

struct MatcherTests {
    let day = ExposureDay(rawValue: 20_400)
    var noon: Int64 { day.unixSeconds + 12 * 3600 }

    func signedZip(_ keys: [TemporaryExposureKey], revised: [TemporaryExposureKey] = []) throws -> ExportContainer {
        .zip(try ExportWriter.archive(header: ExportFile.Header(region: "440", batchNumber: 1, batchSize: 1),
                                      keys: keys, revisedKeys: revised, signer: TestKeys.signer))
    }

    @Test func toleranceIsTwelveIntervalsNotThirteen() throws {
        let keys = TestKeys.randomKeys(count: 2, day: day, seed: 11)
        for (shift, expected) in [(12, true), (-12, true), (13, false), (-13, false), (0, true)] {
            var scenario = Scenario()
            scenario.meet(keys[0], from: noon, minutes: 1, every: 60, rssi: -50, intervalShift: shift)
            let (report, _) = scenario.match([try signedZip(keys)])
            #expect(report.matches.isEmpty == !expected, "shift \(shift)")
            if expected { #expect(report.matches.first?.hits.first?.interval.rawValue == UInt32(Int(noon / 600) + shift)) }
        }
    }

    @Test func findsExactlyTheMetKeysAmongStrangers() throws {
        let keys = TestKeys.randomKeys(count: 500, day: day, seed: 12)
        var scenario = Scenario()
        scenario.addStrangers(20_000, around: day.unixSeconds - 3600, seed: 3)
        for met in [3, 100, 499] { scenario.meet(keys[met], from: noon + Int64(met) * 60, minutes: 10, rssi: -60) }
        let (report, _) = scenario.match([try signedZip(keys)], keyring: TestKeys.keyring, policy: .requireValid)
        #expect(Set(report.matches.map(\.key.keyData)) == Set([3, 100, 499].map { keys[$0].keyData }))
        #expect(report.matches.allSatisfy { $0.hits.count == 5 && $0.hits.allSatisfy { $0.metadata.txPower == 8 } })
        #expect(report.files.first?.status == .matched)
        #expect(report.files.first?.signature?.status == .valid)
        #expect(report.files.first?.matchedKeys == 3)
        #expect(report.newlyProcessed.count == 1)
    }

    @Test func everyIntervalOfTheDayIsProbed() throws {
        // One scan in each of the 144 intervals (the filter is read 64 RPIs at a time: 0–63, 64–127,
        // 128–143): each finds its own interval's RPI, none is skipped or shifted.
        let key = TestKeys.randomKeys(count: 1, day: day, seed: 17)[0]
        var scenario = Scenario()
        scenario.meet(key, from: day.unixSeconds - 300, minutes: 1440, every: 600, rssi: -50)
        #expect(scenario.sightings.count == 144)
        let (report, _) = scenario.match([try signedZip([key])])
        let first = try #require(day.firstInterval).rawValue
        let intervals = report.matches.first?.hits.map(\.interval.rawValue).sorted()
        #expect(intervals == Array(first..<first + 144))
    }

    @Test func keysSpanningTwoDaysAreProbedInBoth() throws {
        // A key starting at 20:00 (not day-aligned) valid for 144 intervals: half of it lies in the next day.
        let base = try #require(day.firstInterval)
        let key = TemporaryExposureKey(keyData: Block16(lo: 1234, hi: 5678), rollingStartIntervalNumber: ENIntervalNumber(rawValue: base.rawValue + 120))
        var scenario = Scenario()
        scenario.meet(key, from: day.unixSeconds + 86_400 + 5 * 3600, minutes: 4, every: 120, rssi: -50)
        let (report, _) = scenario.match([try signedZip([key])])
        #expect(report.matches.count == 1)
        #expect(report.matches.first?.hits.count == 2)
    }

    @Test func sameFileIsNeverMatchedTwice() throws {
        let keys = TestKeys.randomKeys(count: 10, day: day, seed: 13)
        var scenario = Scenario()
        scenario.meet(keys[1], from: noon, minutes: 10, rssi: -55)
        let file = try signedZip(keys)
        let (first, _) = scenario.match([file, file])
        #expect(first.files.map(\.status) == [.matched, .alreadyProcessed])
        #expect(first.matches.count == 1)
        let (second, _) = scenario.match([file], processed: Set(first.newlyProcessed))
        #expect(second.files.first?.status == .alreadyProcessed)
        #expect(second.matches.isEmpty)
    }

    @Test func signaturePolicyDecidesWhetherMatchesCount() throws {
        let keys = TestKeys.randomKeys(count: 3, day: day, seed: 14)
        var scenario = Scenario()
        scenario.meet(keys[0], from: noon, minutes: 10, rssi: -55)
        let file = try signedZip(keys)
        // Unverified files are refused when a valid signature is required.
        let (strict, _) = scenario.match([file], policy: .requireValid)
        #expect(strict.matches.isEmpty)
        guard case .rejected(let why) = strict.files.first?.status else { Issue.record("not rejected"); return }
        #expect(why.contains("unverified"))
        #expect(strict.newlyProcessed.isEmpty)
        // A file signed by someone else is refused under either policy.
        let otherKey = VerificationKeyring([.init(id: "310", version: "v1", publicKey: P256.Signing.PrivateKey().publicKey)])
        let (forged, _) = scenario.match([file], keyring: otherKey, policy: .allowUnverified)
        #expect(forged.matches.isEmpty)
        #expect(forged.files.first?.signature?.status == .invalid)
    }

    @Test func aFileThatFailsTheRequiredSignatureIsRefusedBeforeAnyKeyIsDerived() throws {
        let keys = TestKeys.randomKeys(count: 200, day: day, seed: 18)
        var scenario = Scenario()
        scenario.meet(keys[0], from: noon, minutes: 10, rssi: -55)
        let index = SightingIndex(table: SightingTable(scenario.sightings))
        let unsigned = try ExportWriter.zip(entries: [("export.bin", try ExportWriter.exportBin(
            header: ExportFile.Header(region: "440"), keys: keys, signatureInfos: []))])
        let strict = Matcher(index: index, keyring: TestKeys.keyring, policy: .requireValid).match([ExportSource(name: "u") { .zip(unsigned) }])
        #expect(strict.files.first?.refusal == .signature)
        #expect(strict.timings.deriveNanoseconds == 0 && strict.timings.probeNanoseconds == 0)
        // The same file where unverified files are allowed is matched: derivation did happen.
        let loose = Matcher(index: index, keyring: VerificationKeyring(), policy: .allowUnverified).match([ExportSource(name: "u") { .zip(unsigned) }])
        #expect(loose.matches.count == 1 && loose.timings.deriveNanoseconds > 0)
    }

    @Test func aKeyRepeatedInAFileIsMatchedOnce() throws {
        let keys = TestKeys.randomKeys(count: 2, day: day, seed: 19)
        var scenario = Scenario()
        scenario.meet(keys[0], from: noon, minutes: 10, rssi: -55)
        // 3,000 copies of the met key, the other key between them, and the met key once in revised_keys.
        let repeated = Array(repeating: keys[0], count: 1_500) + [keys[1]] + Array(repeating: keys[0], count: 1_500)
        let (report, _) = scenario.match([try signedZip(repeated, revised: [keys[0]])], keyring: TestKeys.keyring, policy: .requireValid)
        #expect(report.matches.map(\.revised) == [false, true])
        #expect(report.files.first?.duplicateKeys == 2_999)
        #expect(report.files.first?.keys == 3_002)
    }

    @Test func aFileMatchingMoreKeysThanTheCapIsRefused() throws {
        let keys = TestKeys.randomKeys(count: 12, day: day, seed: 20)
        var scenario = Scenario()
        for (number, key) in keys.enumerated() { scenario.meet(key, from: noon + Int64(number) * 600, minutes: 2, rssi: -55) }
        let index = SightingIndex(table: SightingTable(scenario.sightings))
        let file = try signedZip(keys)
        for (cap, refused) in [(11, true), (12, false)] {
            var limits = ExportFile.Limits.default
            limits.maximumMatchedKeys = cap
            let report = Matcher(index: index, keyring: TestKeys.keyring, policy: .requireValid, limits: limits).match([ExportSource(name: "f") { file }])
            #expect((report.files.first?.refusal == .malformed) == refused, "cap \(cap)")
            #expect(report.matches.count == (refused ? 0 : 12), "cap \(cap)")
        }
    }

    @Test func brokenFilesAreRejectedWithoutStoppingTheOthers() throws {
        let keys = TestKeys.randomKeys(count: 3, day: day, seed: 15)
        var scenario = Scenario()
        scenario.meet(keys[2], from: noon, minutes: 10, rssi: -55)
        let good = try signedZip(keys)
        let sources = [ExportSource(name: "missing") { throw CocoaError(.fileNoSuchFile) },
                       ExportSource(name: "garbage") { .zip(Data("not a zip".utf8)) },
                       ExportSource(name: "good") { good }]
        let index = SightingIndex(table: SightingTable(scenario.sightings))
        let report = Matcher(index: index, keyring: TestKeys.keyring, policy: .requireValid).match(sources, workers: 2)
        #expect(report.files.map(\.name) == ["missing", "garbage", "good"])
        #expect(report.files[2].status == .matched)
        if case .rejected(let why) = report.files[1].status { #expect(why.contains("zip")) } else { Issue.record("garbage accepted") }
        #expect(report.files.map(\.refusal) == [.unavailable, .malformed, nil])
        #expect(report.matches.count == 1)
    }

    @Test func metadataOutOfBoundsDropsTheSighting() throws {
        let keys = TestKeys.randomKeys(count: 1, day: day, seed: 16)
        var scenario = Scenario()
        scenario.meet(keys[0], from: noon, minutes: 4, every: 120, rssi: -55, txPower: 30)
        let (report, _) = scenario.match([try signedZip(keys)])
        #expect(report.matches.first?.hits.isEmpty == true)
        #expect(report.matches.first?.invalidMetadata == 2)
        #expect(report.files.first?.matchedKeys == 0, "a key whose every hit had impossible metadata did not match")
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        let days = (0..<6).map { day.adding(days: Int32($0)) }
        var files: [ExportContainer] = []
        var scenario = Scenario()
        for (position, fileDay) in days.enumerated() {
            let keys = TestKeys.randomKeys(count: 300, day: fileDay, seed: 100 + UInt64(position))
            scenario.meet(keys[position * 7], from: fileDay.unixSeconds + 3600, minutes: 20, rssi: -58)
            files.append(try signedZip(keys))
        }
        scenario.addStrangers(5_000, around: day.unixSeconds, seed: 9)
        let (one, _) = scenario.match(files, workers: 1)
        let (two, _) = scenario.match(files, workers: 2)
        #expect(one.workers == 1 && two.workers == 2)
        #expect(one.matches == two.matches)
        #expect(one.matches.count == 6)
        #expect(one.files.map(\.digest) == two.files.map(\.digest))
    }
}
