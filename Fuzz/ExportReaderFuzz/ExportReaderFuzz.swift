import ExposureNotification
import Foundation

/// libFuzzer entry point for the export reader. Each input is tried three ways: as a zip, as a bare
/// export.bin, and split into export.bin + export.sig at its first byte's position, so the fuzzer
/// reaches the zip parser, the protobuf decoder and the signature-list decoder. Any error is fine;
/// a crash, a sanitizer report or a hang is a bug. Build and run: scripts/fuzz.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func exportReaderFuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(bytes: start, count: count)
    // Small limits so the fuzzer reaches the limit checks with small inputs too.
    let limits = ExportFile.Limits(maximumExportBytes: 1 << 20, maximumSignatureBytes: 4 << 10,
                                   maximumZipEntries: 8, maximumKeys: 5_000, maximumRecordBytes: 4 << 10)
    _ = try? ExportReader.read(.zip(data), limits: limits)
    var bare = Data(ExportFile.headerMagic)
    bare.append(data)
    _ = try? ExportReader.read(.bare(exportBin: bare, signature: nil), limits: limits)
    if let first = data.first {
        let split = min(Int(first), data.count)
        _ = try? ExportReader.read(.bare(exportBin: bare.prefix(16 + split), signature: data.suffix(from: split)), limits: limits)
    }
    return 0
}
