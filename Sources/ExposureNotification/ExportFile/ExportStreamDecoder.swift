/// Receives each key as the decoder finds it. Generic (not a closure) so the matcher's probe is
/// specialised into the decoding loop.
protocol ExportKeySink {
    mutating func consume(_ key: TemporaryExposureKey, revised: Bool)
}

/// The hand-written, one-pass decoder of `export.bin`: header check, then the top-level fields of
/// `TemporaryExposureKeyExport`, fed in chunks of any size as they come out of the zip.
///
/// Memory stays bounded by one record (capped by `Limits.maximumRecordBytes`): keys go straight to
/// the sink, fields we do not use are skipped without buffering. swift-protobuf decodes ~10× slower
/// (DESIGN §9); tests check this decoder against it field for field.
struct ExportStreamDecoder {
    let limits: ExportFile.Limits
    private(set) var header = ExportFile.Header()
    private(set) var warnings = KeyWarningCounts()
    /// Key records seen (kept or dropped), keys and revised keys together.
    private(set) var records = 0
    private(set) var totalBytes = 0

    private var magicMatched = 0
    /// Bytes of a field that straddles chunk boundaries.
    private var carry: [UInt8] = []
    /// Bytes of an unused field still to skip.
    private var skipRemaining = 0

    init(limits: ExportFile.Limits) {
        self.limits = limits
        carry.reserveCapacity(256)
    }

    mutating func feed<Sink: ExportKeySink>(_ chunk: UnsafeRawBufferPointer, into sink: inout Sink) throws(ExportFileError) {
        totalBytes += chunk.count
        guard totalBytes <= limits.maximumExportBytes else {
            throw .entryTooLarge(name: "export.bin", limit: limits.maximumExportBytes)
        }
        var rest = chunk[...]
        if magicMatched < 16 {
            let magic = ExportFile.headerMagic
            while magicMatched < 16, let byte = rest.first {
                guard byte == magic[magicMatched] else { throw .badHeader }
                magicMatched += 1
                rest = rest.dropFirst()
            }
        }
        if skipRemaining > 0 {
            let skipped = min(skipRemaining, rest.count)
            skipRemaining -= skipped
            rest = rest.dropFirst(skipped)
        }
        // Complete a field left over from the previous chunk, taking only the bytes it needs.
        while !carry.isEmpty {
            let (consumed, needed) = try parseCarry(into: &sink)
            if consumed > 0 { continue }
            guard !rest.isEmpty else { return }
            let take = min(rest.count, needed.map { $0 - carry.count } ?? 11)
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
        }
        if skipRemaining > 0 {
            let skipped = min(skipRemaining, rest.count)
            skipRemaining -= skipped
            rest = rest.dropFirst(skipped)
        }
        let direct = UnsafeRawBufferPointer(rebasing: rest)
        let (consumed, _) = try parseFields(direct, into: &sink)
        if consumed < direct.count && skipRemaining == 0 {
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: direct[consumed...]))
        }
    }

    /// Parses what `carry` holds and drops the consumed bytes from it.
    private mutating func parseCarry<Sink: ExportKeySink>(into sink: inout Sink) throws(ExportFileError) -> (Int, Int?) {
        var pending: [UInt8] = []
        swap(&pending, &carry)
        defer { swap(&pending, &carry) }
        let outcome: Result<(Int, Int?), ExportFileError> = pending.withUnsafeBytes { raw in
            do throws(ExportFileError) { return .success(try parseFields(raw, into: &sink)) } catch { return .failure(error) }
        }
        let result = try outcome.get()
        pending.removeFirst(result.0)
        return result
    }

    /// Call after the last chunk: fails if the file ended inside the header or a field.
    func finish() throws(ExportFileError) {
        guard magicMatched == 16 else { throw .badHeader }
        guard carry.isEmpty, skipRemaining == 0 else { throw .malformedProtobuf("export.bin ends inside a field (truncated file)") }
    }

    /// Parses whole top-level fields from the start of `bytes`. Returns how many bytes were consumed
    /// and, when it stops at an incomplete field whose size is known, the bytes that field needs.
    /// An unused field that runs past the end is consumed and the rest recorded in `skipRemaining`.
    private mutating func parseFields<Sink: ExportKeySink>(_ bytes: UnsafeRawBufferPointer,
                                                           into sink: inout Sink) throws(ExportFileError) -> (Int, Int?) {
        let end = bytes.count
        var cursor = 0
        while cursor < end {
            let fieldStart = cursor
            guard let (tag, afterTag) = try ProtobufWire.varint(bytes, at: cursor, end: end) else { return (fieldStart, nil) }
            let (field, wire) = try ProtobufWire.splitTag(tag)
            switch wire {
            case .varint:
                guard let (value, next) = try ProtobufWire.varint(bytes, at: afterTag, end: end) else { return (fieldStart, nil) }
                switch field {
                case 4: header.batchNumber = Int32(truncatingIfNeeded: value)
                case 5: header.batchSize = Int32(truncatingIfNeeded: value)
                case 1, 2, 3, 6, 7, 8: throw .malformedProtobuf("TemporaryExposureKeyExport field \(field) has the wrong wire type (varint)")
                default: break
                }
                cursor = next
            case .fixed64, .fixed32:
                let width = wire == .fixed64 ? 8 : 4
                guard width <= end - afterTag else { return (fieldStart, afterTag - fieldStart + width) }
                switch (field, wire) {
                case (1, .fixed64): header.startTimestamp = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: afterTag, as: UInt64.self))
                case (2, .fixed64): header.endTimestamp = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: afterTag, as: UInt64.self))
                case (1...8, _): throw .malformedProtobuf("TemporaryExposureKeyExport field \(field) has the wrong wire type")
                default: break
                }
                cursor = afterTag + width
            case .lengthDelimited:
                guard let (length64, payload) = try ProtobufWire.varint(bytes, at: afterTag, end: end) else { return (fieldStart, nil) }
                let used = (3...8).contains(field)
                if field == 1 || field == 2 || field == 4 || field == 5 {
                    throw .malformedProtobuf("TemporaryExposureKeyExport field \(field) has the wrong wire type (length-delimited)")
                }
                guard length64 <= UInt64(limits.maximumExportBytes) else {
                    throw .malformedProtobuf("field \(field) claims \(length64) bytes, more than export.bin may hold")
                }
                let length = Int(length64)
                if used && length > limits.maximumRecordBytes {
                    throw .recordTooLarge(field: Self.fieldName(field), bytes: length, limit: limits.maximumRecordBytes)
                }
                guard length <= end - payload else {
                    if used { return (fieldStart, payload - fieldStart + length) }
                    skipRemaining = length - (end - payload)
                    return (end, nil)
                }
                let payloadEnd = payload + length
                switch field {
                case 3: header.region = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[payload..<payloadEnd]), as: UTF8.self)
                case 6:
                    guard header.signatureInfos.count < 64 else { throw .malformedProtobuf("more than 64 signature_infos") }
                    header.signatureInfos.append(try Self.signatureInfo(bytes, from: payload, to: payloadEnd))
                case 7, 8:
                    records += 1
                    guard records <= limits.maximumKeys else { throw .tooManyKeys(limit: limits.maximumKeys) }
                    if let key = try KeyRecordDecoder.decode(bytes, from: payload, to: payloadEnd, warnings: &warnings) {
                        sink.consume(key, revised: field == 8)
                    }
                default: break
                }
                cursor = payloadEnd
            case .startGroup, .endGroup:
                throw .malformedProtobuf("group encoding")  // unreachable: splitTag rejects groups
            }
        }
        return (cursor, nil)
    }

    private static func fieldName(_ field: UInt64) -> String {
        switch field {
        case 3: "region"
        case 6: "signature_infos"
        case 7: "keys"
        case 8: "revised_keys"
        default: "\(field)"
        }
    }

    /// Decodes a `SignatureInfo` message held completely in `bytes[start..<end]`.
    static func signatureInfo(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(ExportFileError) -> ExportFile.SignatureInfo {
        var info = ExportFile.SignatureInfo()
        var cursor = start
        let truncated = ExportFileError.malformedProtobuf("a SignatureInfo record is truncated")
        while cursor < end {
            guard let (tag, afterTag) = try ProtobufWire.varint(bytes, at: cursor, end: end) else { throw truncated }
            let (field, wire) = try ProtobufWire.splitTag(tag)
            switch wire {
            case .varint:
                guard let (_, next) = try ProtobufWire.varint(bytes, at: afterTag, end: end) else { throw truncated }
                cursor = next
            case .fixed64, .fixed32:
                let width = wire == .fixed64 ? 8 : 4
                guard width <= end - afterTag else { throw truncated }
                cursor = afterTag + width
            case .lengthDelimited:
                guard let (length, payload) = try ProtobufWire.varint(bytes, at: afterTag, end: end),
                      length <= UInt64(end - payload) else { throw truncated }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[payload..<(payload + Int(length))]), as: UTF8.self)
                switch field {
                case 3: info.verificationKeyVersion = text
                case 4: info.verificationKeyID = text
                case 5: info.signatureAlgorithm = text
                default: break
                }
                cursor = payload + Int(length)
            case .startGroup, .endGroup:
                throw truncated
            }
        }
        return info
    }
}
