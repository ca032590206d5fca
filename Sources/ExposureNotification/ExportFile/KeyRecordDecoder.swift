/// Decodes one `TemporaryExposureKey` message (complete in memory) and applies the per-key checks:
/// a key that breaks one is dropped and counted, never fatal for the file.
enum KeyRecordDecoder {
    /// Decodes the message in `bytes[start..<end]`; `nil` if the key is dropped (the warning is counted).
    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                       warnings: inout KeyWarningCounts) throws(ExportFileError) -> TemporaryExposureKey? {
        var keyData: Block16?
        var keyDataLength = 0
        var transmissionRisk: Int32?
        var rollingStart: Int64?
        var rollingPeriod: Int64 = 144
        var reportType: ReportType?
        var unknownReportType = false
        var daysSinceOnset: Int32?
        var cursor = start
        while cursor < end {
            guard let (tag, afterTag) = try ProtobufWire.varint(bytes, at: cursor, end: end) else { throw truncated }
            let (field, wire) = try ProtobufWire.splitTag(tag)
            cursor = afterTag
            switch wire {
            case .varint:
                guard let (value, next) = try ProtobufWire.varint(bytes, at: cursor, end: end) else { throw truncated }
                cursor = next
                switch field {
                case 2: transmissionRisk = Int32(truncatingIfNeeded: value)
                case 3: rollingStart = Int64(Int32(truncatingIfNeeded: value))
                case 4: rollingPeriod = Int64(Int32(truncatingIfNeeded: value))
                case 5:
                    // proto2 closed enum: an unknown value leaves the field unset.
                    if let type = ReportType(rawValue: Int32(truncatingIfNeeded: value)), Int64(bitPattern: value) == Int64(type.rawValue) {
                        reportType = type
                        unknownReportType = false
                    } else {
                        unknownReportType = true
                    }
                case 6: daysSinceOnset = ProtobufWire.zigZag32(value)
                default: break
                }
            case .lengthDelimited:
                guard let (length, next) = try ProtobufWire.varint(bytes, at: cursor, end: end),
                      length <= UInt64(end - next) else { throw truncated }
                if field == 1 {
                    keyDataLength = Int(length)
                    keyData = length == 16 ? Block16(loadingFrom: bytes, at: next) : nil
                } else if field >= 2 && field <= 6 {
                    throw ExportFileError.malformedProtobuf("TemporaryExposureKey field \(field) is length-delimited, expected a varint")
                }
                cursor = next + Int(length)
            case .fixed64, .fixed32:
                let width = wire == .fixed64 ? 8 : 4
                guard width <= end - cursor else { throw truncated }
                if field >= 1 && field <= 6 {
                    throw ExportFileError.malformedProtobuf("TemporaryExposureKey field \(field) has a fixed-width encoding")
                }
                cursor += width
            case .startGroup, .endGroup:
                throw truncated  // unreachable: splitTag rejects groups
            }
        }
        if unknownReportType { warnings.add(.unknownReportType) }
        guard let data = keyData, keyDataLength == 16 else { warnings.add(.keyDataNot16Bytes); return nil }
        guard let start = rollingStart, start >= 0 else { warnings.add(.missingRollingStartIntervalNumber); return nil }
        guard (1...144).contains(rollingPeriod) else { warnings.add(.rollingPeriodOutOfRange); return nil }
        if let days = daysSinceOnset, !(-14...14).contains(days) { warnings.add(.daysSinceOnsetOutOfRange); return nil }
        return TemporaryExposureKey(keyData: data, rollingStartIntervalNumber: ENIntervalNumber(rawValue: UInt32(start)),
                                    rollingPeriod: UInt32(rollingPeriod), transmissionRiskLevel: transmissionRisk,
                                    reportType: reportType, daysSinceOnsetOfSymptoms: daysSinceOnset)
    }

    private static let truncated = ExportFileError.malformedProtobuf("a TemporaryExposureKey record is truncated")
}
