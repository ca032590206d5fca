import Crypto
import ExposureNotification
import Foundation
import Testing

/// Malformed zips, wrong headers, truncated protobufs, zip bombs and limit violations: each gives a
/// typed error with a clear message, never a crash or a hang.
struct HostileFileTests {
    let header = ExportFile.Header(startTimestamp: 1, endTimestamp: 2, region: "440", batchNumber: 1, batchSize: 1)

    func validBin(keys: Int = 3) throws -> Data {
        try ExportWriter.exportBin(header: header, keys: TestKeys.randomKeys(count: keys, day: ExposureDay(rawValue: 20_000), seed: 5),
                                   signatureInfos: [])
    }

    /// A zip built by hand: entries with chosen method, sizes and CRC (a zip bomb states small sizes).
    func handZip(_ entries: [(name: String, payload: Data, method: UInt16, uncompressed: Int, crc: UInt32, flags: UInt16)]) -> Data {
        var out = Data(), directory = Data()
        func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
        func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
        for entry in entries {
            let offset = UInt32(out.count)
            let name = Data(entry.name.utf8)
            out += le32(0x0403_4b50) + le16(20) + le16(entry.flags) + le16(entry.method) + le16(0) + le16(0) + le32(entry.crc)
            out += le32(UInt32(entry.payload.count)) + le32(UInt32(entry.uncompressed)) + le16(UInt16(name.count)) + le16(0) + name + entry.payload
            directory += le32(0x0201_4b50) + le16(20) + le16(20) + le16(entry.flags) + le16(entry.method) + le16(0) + le16(0) + le32(entry.crc)
            directory += le32(UInt32(entry.payload.count)) + le32(UInt32(entry.uncompressed)) + le16(UInt16(name.count))
            directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
        }
        let directoryOffset = UInt32(out.count)
        out += directory
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        out += le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0)
        return out
    }

    func deflated(_ data: Data) throws -> Data {
        // Take the deflate stream out of a zip ZIPFoundation writes, to build variants by hand.
        let zip = try ExportWriter.zip(entries: [("x", data)])
        let compressed = Int(zip.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 18, as: UInt32.self) })
        let nameLength = Int(zip.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 26, as: UInt16.self) })
        let extraLength = Int(zip.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 28, as: UInt16.self) })
        let start = 30 + nameLength + extraLength
        return zip.subdata(in: start..<(start + compressed))
    }

    func crc(_ data: Data) throws -> UInt32 {
        let zip = try ExportWriter.zip(entries: [("x", data)])
        return zip.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 14, as: UInt32.self) }
    }

    func expectError(_ container: ExportContainer, limits: ExportFile.Limits = .default,
                     _ check: (ExportFileError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ExportReader.read(container, limits: limits)
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.isEmpty)
        }
    }

    @Test func notAZipAtAll() {
        expectError(.zip(Data("hello".utf8))) { if case .malformedZip = $0 { true } else { false } }
        expectError(.zip(Data(repeating: 0, count: 5000))) { if case .malformedZip = $0 { true } else { false } }
        expectError(.zip(Data())) { if case .malformedZip = $0 { true } else { false } }
    }

    @Test func truncatedZipsAtEveryLength() throws {
        let bin = try validBin(keys: 40)
        let zip = try ExportWriter.zip(entries: [("export.bin", bin)])
        for length in 0..<zip.count {
            do {
                _ = try ExportReader.read(.zip(zip.prefix(length)))
                Issue.record("a zip cut at \(length) of \(zip.count) bytes was read")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func deflateStreamCutShortIsAnErrorNotAHang() throws {
        let bin = try validBin(keys: 2_000)
        let stream = try deflated(bin)
        let cut = stream.prefix(stream.count / 2)
        let zip = handZip([("export.bin", cut, 8, bin.count, try crc(bin), 0)])
        expectError(.zip(zip)) { $0 == .malformedZip("export.bin is truncated (the deflate stream does not end)") }
    }

    @Test func zipBombIsStoppedAtTheCap() throws {
        // 8 MiB of a valid but useless field (field 9 = 0, repeated) deflate to a few KiB; the entry claims to be small.
        let zeros = Data([UInt8](repeating: 0, count: 8 << 20).enumerated().map { $0.offset % 2 == 0 ? 0x48 : 0 })
        let stream = try deflated(Data(ExportFile.headerMagic) + zeros)
        let limits = ExportFile.Limits(maximumExportBytes: 1 << 20)
        let lying = handZip([("export.bin", stream, 8, 1_000, 0, 0)])
        expectError(.zip(lying), limits: limits) { if case .malformedZip = $0 { true } else { false } }
        let honest = handZip([("export.bin", stream, 8, zeros.count + 16, 0, 0)])
        expectError(.zip(honest), limits: limits) { $0 == .entryTooLarge(name: "export.bin", limit: 1 << 20) }
        // Even if the stated size is within the cap, inflation stops at the cap.
        let stated = handZip([("export.bin", stream, 8, 1 << 20, 0, 0)])
        expectError(.zip(stated), limits: limits) { if case .malformedZip = $0 { true } else { $0 == .entryTooLarge(name: "export.bin", limit: 1 << 20) } }
    }

    @Test func containerProblems() throws {
        let bin = try validBin()
        let binCRC = try crc(bin)
        expectError(.zip(handZip([("other.txt", bin, 0, bin.count, binCRC, 0)]))) { $0 == .missingEntry("export.bin") }
        expectError(.zip(handZip([("export.bin", bin, 0, bin.count, binCRC, 0), ("export.bin", bin, 0, bin.count, binCRC, 0)]))) {
            $0 == .duplicateEntry("export.bin")
        }
        expectError(.zip(handZip([("export.bin", bin, 0, bin.count, binCRC, 1)]))) { $0 == .unsupportedZip("export.bin is encrypted") }
        expectError(.zip(handZip([("export.bin", bin, 12, bin.count, binCRC, 0)]))) { if case .unsupportedZip = $0 { true } else { false } }
        expectError(.zip(handZip([("export.bin", bin, 0, bin.count, binCRC ^ 1, 0)]))) { $0 == .malformedZip("export.bin fails its CRC-32 check") }
        expectError(.zip(handZip([("export.bin", bin, 0, bin.count + 1, binCRC, 0)]))) { if case .malformedZip = $0 { true } else { false } }
        let many = (0..<20).map { ("f\($0)", Data(), UInt16(0), 0, UInt32(0), UInt16(0)) }
        expectError(.zip(handZip(many))) { $0 == .tooManyZipEntries(limit: 16) }
        // Stored entries are read too.
        let stored = handZip([("export.bin", bin, 0, bin.count, binCRC, 0)])
        #expect(try ExportReader.read(.zip(stored)).keys.count == 3)
    }

    @Test func wrongHeaders() throws {
        let bin = try validBin()
        var wrong = bin
        wrong[3] = UInt8(ascii: "x")
        expectError(.bare(exportBin: wrong, signature: nil)) { $0 == .badHeader }
        expectError(.bare(exportBin: bin.prefix(10), signature: nil)) { $0 == .badHeader }
        expectError(.bare(exportBin: Data(), signature: nil)) { $0 == .badHeader }
        // A header alone is an empty, valid export.
        #expect(try ExportReader.read(.bare(exportBin: Data(ExportFile.headerMagic), signature: nil)).keys.isEmpty)
    }

    @Test func truncatedProtobufAtEveryLength() throws {
        let bin = try validBin(keys: 5)
        var errors = 0
        for length in 16..<bin.count {
            do {
                let file = try ExportReader.read(.bare(exportBin: bin.prefix(length), signature: nil))
                // Cutting exactly between two top-level fields leaves a shorter valid message.
                #expect(file.keys.count <= 5)
            } catch {
                #expect(error.description.contains("export.bin"))
                errors += 1
            }
        }
        #expect(errors > bin.count / 2)
    }

    @Test func malformedProtobufVariants() {
        func bin(_ body: [UInt8]) -> ExportContainer { .bare(exportBin: Data(ExportFile.headerMagic + body), signature: nil) }
        expectError(bin([0x0B])) { if case .malformedProtobuf = $0 { true } else { false } }  // group start
        expectError(bin([0x0E])) { if case .malformedProtobuf = $0 { true } else { false } }  // wire type 6
        expectError(bin([0x00, 0x01])) { if case .malformedProtobuf = $0 { true } else { false } }  // field 0
        expectError(bin([0x20] + [UInt8](repeating: 0xFF, count: 11))) { if case .malformedProtobuf = $0 { true } else { false } }
        expectError(bin([0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])) { if case .malformedProtobuf = $0 { true } else { false } }
        expectError(bin([0x3A, 0x05, 0x0A, 0x10])) { if case .malformedProtobuf = $0 { true } else { false } }
        expectError(bin([0x3A, 0x02, 0x0A, 0x7F])) { if case .malformedProtobuf = $0 { true } else { false } }
        expectError(bin([0x38, 0x01])) { if case .malformedProtobuf = $0 { true } else { false } }  // keys as a varint
        // Unknown fields of every wire type are skipped.
        let skipped = try? ExportReader.read(bin([0x48, 0x01, 0x51] + [UInt8](repeating: 0, count: 8) + [0x5D, 0, 0, 0, 0, 0x62, 0x01, 0x41]))
        #expect(skipped?.keys.isEmpty == true)
    }

    @Test func limitsOnKeysAndRecords() throws {
        let bin = try validBin(keys: 50)
        expectError(.bare(exportBin: bin, signature: nil), limits: ExportFile.Limits(maximumKeys: 49)) { $0 == .tooManyKeys(limit: 49) }
        #expect(try ExportReader.read(.bare(exportBin: bin, signature: nil), limits: ExportFile.Limits(maximumKeys: 50)).keys.count == 50)
        let hugeRegion = ExportFile.Header(region: String(repeating: "x", count: 70_000))
        let regionBin = try ExportWriter.exportBin(header: hugeRegion, keys: [], signatureInfos: [])
        expectError(.bare(exportBin: regionBin, signature: nil)) { $0 == .recordTooLarge(field: "region", bytes: 70_000, limit: 65_536) }
        expectError(.bare(exportBin: bin, signature: nil), limits: ExportFile.Limits(maximumExportBytes: 100)) {
            $0 == .entryTooLarge(name: "export.bin", limit: 100)
        }
        expectError(.bare(exportBin: bin, signature: Data(repeating: 1, count: 70_000))) { $0 == .entryTooLarge(name: "export.sig", limit: 65_536) }
        expectError(.bare(exportBin: bin, signature: Data([0x0A, 0x05, 0x01]))) { if case .malformedSignatureFile = $0 { true } else { false } }
    }

    @Test func perKeyProblemsDropTheKeyWithACountedWarning() throws {
        // Hand-encoded keys: each field as tag + value.
        func key(_ fields: [UInt8]) -> [UInt8] { [0x3A, UInt8(fields.count)] + fields }
        let data16: [UInt8] = [0x0A, 0x10] + [UInt8](repeating: 7, count: 16)
        let good = key(data16 + [0x18, 0x80, 0x80, 0xA4, 0x01])                      // start 2,686,976, period default
        let shortData = key([0x0A, 0x0F] + [UInt8](repeating: 7, count: 15) + [0x18, 0x01])
        let noStart = key(data16)
        let period0 = key(data16 + [0x18, 0x01, 0x20, 0x00])
        let period145 = key(data16 + [0x18, 0x01, 0x20, 0x91, 0x01])
        let onset15 = key(data16 + [0x18, 0x01, 0x30, 0x1E])                           // zigzag 30 = +15
        let onsetMinus14 = key(data16 + [0x18, 0x01, 0x30, 0x1B])                      // zigzag 27 = −14
        let badReportType = key(data16 + [0x18, 0x01, 0x28, 0x09])
        let body = good + shortData + noStart + period0 + period145 + onset15 + onsetMinus14 + badReportType
        let file = try ExportReader.read(.bare(exportBin: Data(ExportFile.headerMagic + body), signature: nil))
        #expect(file.keys.count == 3)
        #expect(file.keys[0].rollingStartIntervalNumber.rawValue == 2_686_976)
        #expect(file.keys[0].rollingPeriod == 144)
        #expect(file.keys[1].daysSinceOnsetOfSymptoms == -14)
        #expect(file.keys[2].reportType == nil)
        #expect(file.warnings.counts == [.keyDataNot16Bytes: 1, .missingRollingStartIntervalNumber: 1,
                                         .rollingPeriodOutOfRange: 2, .daysSinceOnsetOutOfRange: 1, .unknownReportType: 1])
        #expect(file.warnings.droppedKeys == 5)
        #expect(file.warnings.lines.first == "1 key: key_data is not 16 bytes: key dropped")
    }
}
