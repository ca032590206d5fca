import Crypto
import Foundation

/// Reads diagnosis-key files: opens the container, checks the limits, decodes export.bin in one
/// streaming pass while hashing it, and checks the signature.
public enum ExportReader {
    /// Reads the whole file into an `ExportFile` (for `keys inspect`, tests and tools).
    public static func read(_ container: ExportContainer, keyring: VerificationKeyring = VerificationKeyring(),
                            limits: ExportFile.Limits = .default) throws(ExportFileError) -> ExportFile {
        var collector = Collector()
        var timings = StageTimings()
        let result = try stream(container, limits: limits, inflater: RawInflater(), fileDigest: nil,
                                timings: &timings, into: &collector)
        return ExportFile(header: result.header, keys: collector.keys, revisedKeys: collector.revisedKeys,
                          warnings: result.warnings, signature: result.verdict(keyring: keyring), digest: result.fileDigest)
    }

    /// What one streaming pass found besides the keys it handed to the sink.
    struct StreamResult {
        var header: ExportFile.Header
        var warnings: KeyWarningCounts
        var records: Int
        var signatures: SignatureList?
        var exportDigest: SHA256.Digest
        var fileDigest: FileDigest

        func verdict(keyring: VerificationKeyring) -> SignatureVerdict {
            guard let signatures else {
                return SignatureVerdict(status: .unverified, reason: "the file has no export.sig")
            }
            return signatures.verdict(digest: exportDigest, header: header, keyring: keyring)
        }
    }

    /// Streams the keys of `container` into `sink`: the matcher's read path. `fileDigest` is the
    /// container's SHA-256 if the caller has it already. Adds to `timings`: unzip, verify (hashing)
    /// and decode — the latter including whatever the sink does inside `consume`.
    static func stream<Sink: ExportKeySink>(_ container: ExportContainer, limits: ExportFile.Limits, inflater: RawInflater,
                                            fileDigest knownDigest: FileDigest?, timings: inout StageTimings,
                                            into sink: inout Sink) throws(ExportFileError) -> StreamResult {
        var decoder = ExportStreamDecoder(limits: limits)
        var hasher = SHA256()
        var hashing: UInt64 = 0
        var decoding: UInt64 = 0
        /// Each chunk of export.bin, as it is inflated: hashed for the signature, then decoded.
        func consume(_ chunk: UnsafeRawBufferPointer) throws(ExportFileError) {
            let before = monotonicNanoseconds()
            hasher.update(bufferPointer: chunk)
            let hashed = monotonicNanoseconds()
            try decoder.feed(chunk, into: &sink)
            hashing += hashed - before
            decoding += monotonicNanoseconds() - hashed
        }
        let started = monotonicNanoseconds()
        defer {
            let total = monotonicNanoseconds() - started
            timings.verifyNanoseconds += hashing
            timings.decodeNanoseconds += decoding
            timings.unzipNanoseconds += total &- hashing &- decoding
        }
        switch container {
        case .zip(let data):
            let fileDigest = knownDigest ?? FileDigest.of(data)
            let signatures = try data.withExportBytes { archive throws(ExportFileError) -> SignatureList? in
                let directory = try ZipDirectory(archive, maximumEntries: limits.maximumZipEntries)
                guard let exportEntry = try directory.entry(named: "export.bin") else { throw .missingEntry("export.bin") }
                var signatures: SignatureList?
                if let signatureEntry = try directory.entry(named: "export.sig") {
                    var bytes: [UInt8] = []
                    try ZipDirectory.extract(signatureEntry, from: archive, limit: limits.maximumSignatureBytes,
                                             inflater: inflater) { chunk throws(ExportFileError) in bytes.append(contentsOf: chunk) }
                    signatures = try SignatureList(serialized: bytes)
                }
                try ZipDirectory.extract(exportEntry, from: archive, limit: limits.maximumExportBytes,
                                         inflater: inflater, consumer: consume)
                return signatures
            }
            try decoder.finish()
            return StreamResult(header: decoder.header, warnings: decoder.warnings, records: decoder.records,
                                signatures: signatures, exportDigest: hasher.finalize(), fileDigest: fileDigest)
        case .bare(let exportBin, let signature):
            var signatures: SignatureList?
            if let signature {
                guard signature.count <= limits.maximumSignatureBytes else {
                    throw .entryTooLarge(name: "export.sig", limit: limits.maximumSignatureBytes)
                }
                signatures = try SignatureList(serialized: [UInt8](signature))
            }
            guard exportBin.count <= limits.maximumExportBytes else {
                throw .entryTooLarge(name: "export.bin", limit: limits.maximumExportBytes)
            }
            try exportBin.withExportBytes { raw throws(ExportFileError) in
                var offset = 0
                // Same chunking as the zip path, so both exercise the decoder's chunk boundaries alike.
                while offset < raw.count {
                    let count = min(RawInflater.chunkBytes, raw.count - offset)
                    try consume(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count)]))
                    offset += count
                }
            }
            try decoder.finish()
            let digest = hasher.finalize()
            return StreamResult(header: decoder.header, warnings: decoder.warnings, records: decoder.records,
                                signatures: signatures, exportDigest: digest, fileDigest: knownDigest ?? FileDigest(digest))
        }
    }

    /// Collects every key, for `read`.
    private struct Collector: ExportKeySink {
        var keys: [TemporaryExposureKey] = []
        var revisedKeys: [TemporaryExposureKey] = []

        mutating func consume(_ key: TemporaryExposureKey, revised: Bool) {
            if revised { revisedKeys.append(key) } else { keys.append(key) }
        }
    }
}
