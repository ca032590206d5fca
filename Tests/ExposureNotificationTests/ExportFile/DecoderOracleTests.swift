@testable import ExposureNotification
import Foundation
import SwiftProtobuf
import Testing
import TestSupport

/// The hand-written streaming decoder agrees with swift-protobuf (the oracle) on every field, for the
/// real fixtures and for generated files with every optional field, at every chunk size.
struct DecoderOracleTests {
    struct Collected: ExportKeySink {
        var keys: [(TemporaryExposureKey, Bool)] = []
        mutating func consume(_ key: TemporaryExposureKey, revised: Bool) { keys.append((key, revised)) }
    }

    /// Decodes `bin` fed in chunks of `chunk` bytes.
    func decode(_ bin: Data, chunk: Int) throws -> (ExportFile.Header, [(TemporaryExposureKey, Bool)]) {
        var decoder = ExportStreamDecoder(limits: .default)
        var sink = Collected()
        try bin.withExportBytes { raw throws(ExportFileError) in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + chunk)
                try decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]), into: &sink)
                offset = end
            }
        }
        try decoder.finish()
        return (decoder.header, sink.keys)
    }

    func expectAgreement(_ bin: Data, chunks: [Int] = [1, 2, 3, 7, 16, 17, 29, 64, 1000, 65_536]) throws {
        let oracle = try PBTemporaryExposureKeyExport(serializedBytes: bin.dropFirst(16))
        for chunk in chunks {
            let (header, keys) = try decode(bin, chunk: chunk)
            #expect(header.region == (oracle.hasRegion ? oracle.region : nil))
            #expect(header.startTimestamp == (oracle.hasStartTimestamp ? oracle.startTimestamp : nil))
            #expect(header.endTimestamp == (oracle.hasEndTimestamp ? oracle.endTimestamp : nil))
            #expect(header.batchNumber == (oracle.hasBatchNum ? oracle.batchNum : nil))
            #expect(header.batchSize == (oracle.hasBatchSize ? oracle.batchSize : nil))
            #expect(header.signatureInfos.map(\.verificationKeyID) == oracle.signatureInfos.map { $0.hasVerificationKeyID ? $0.verificationKeyID : nil })
            let expected = oracle.keys.map { ($0, false) } + oracle.revisedKeys.map { ($0, true) }
            try #require(keys.count == expected.count, "chunk \(chunk)")
            for ((mine, revised), (theirs, theirRevised)) in zip(keys, expected) {
                #expect(revised == theirRevised)
                #expect(mine.keyData.bytes == [UInt8](theirs.keyData))
                #expect(mine.rollingStartIntervalNumber.rawValue == UInt32(theirs.rollingStartIntervalNumber))
                #expect(mine.rollingPeriod == UInt32(theirs.rollingPeriod))  // default 144 when absent, both sides
                #expect(mine.transmissionRiskLevel == (theirs.hasTransmissionRiskLevel ? theirs.transmissionRiskLevel : nil))
                #expect(mine.reportType?.rawValue == (theirs.hasReportType ? Int32(theirs.reportType.rawValue) : nil))
                #expect(mine.daysSinceOnsetOfSymptoms == (theirs.hasDaysSinceOnsetOfSymptoms ? theirs.daysSinceOnsetOfSymptoms : nil))
            }
        }
    }

    @Test(.enabled(if: Fixtures.available, Fixtures.absentMessage))
    func agreesOnEveryFixture() throws {
        for name in ["google-sample-us-310.zip", "ens-example-2-keys.zip", "cocoa-440-366.zip", "cocoa-440-774.zip",
                     "cocoa-440-812.zip", "google-early-2020-05.zip"] {
            let zip = try Fixtures.data("exports/\(name)")
            var bin = Data()
            // Recover export.bin through the zip reader, then decode it at every chunk size.
            try zip.withExportBytes { raw throws(ExportFileError) in
                let directory = try ZipDirectory(raw, maximumEntries: 16)
                guard let entry = try directory.entry(named: "export.bin") else { throw .missingEntry("export.bin") }
                try ZipDirectory.extract(entry, from: raw, limit: 1 << 26, inflater: RawInflater()) { chunk throws(ExportFileError) in
                    bin.append(contentsOf: chunk)
                }
            }
            try expectAgreement(bin)
        }
        try expectAgreement(try Fixtures.data("exports/cwa-de-262-export.bin"), chunks: [1, 5, 64, 65_536])
        try expectAgreement(try Fixtures.data("exports/google-native-200-keys.bin"))
    }

    @Test func agreesOnGeneratedFilesWithEveryField() throws {
        var rng = SeededGenerator(seed: 99)
        var keys: [TemporaryExposureKey] = []
        for index in 0..<300 {
            var key = TemporaryExposureKey(keyData: Block16(lo: rng.next(), hi: rng.next()),
                                           rollingStartIntervalNumber: ENIntervalNumber(rawValue: 2_700_000 + UInt32(index % 14) * 144),
                                           rollingPeriod: UInt32(1 + index % 144))
            if index % 2 == 0 { key.transmissionRiskLevel = Int32(index % 9) }
            if index % 3 == 0 { key.reportType = ReportType(rawValue: Int32(index % 6)) }
            if index % 5 != 0 { key.daysSinceOnsetOfSymptoms = Int32(index % 29) - 14 }
            keys.append(key)
        }
        let header = ExportFile.Header(startTimestamp: 1_700_000_000, endTimestamp: 1_700_086_400, region: "440",
                                       batchNumber: 2, batchSize: 3)
        let bin = try ExportWriter.exportBin(header: header, keys: Array(keys[0..<250]), revisedKeys: Array(keys[250...]),
                                             signatureInfos: [TestKeys.signer.signatureInfoForTests])
        try expectAgreement(bin)
    }
}

extension ExportWriter.Signer {
    var signatureInfoForTests: ExportFile.SignatureInfo {
        ExportFile.SignatureInfo(verificationKeyVersion: keyVersion, verificationKeyID: keyID,
                                 signatureAlgorithm: ExportFile.SignatureInfo.ecdsaP256SHA256OID)
    }
}
