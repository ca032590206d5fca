/// Minimal protobuf wire-format reading over raw bytes, for the hand-written export decoder.
/// Every read is bounds-checked; `nil` means "not enough bytes yet", a throw means "malformed".
struct ProtobufWire {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    /// Reads a varint at `offset`; returns the value and the offset after it, or `nil` if the bytes
    /// end first. More than 10 bytes is malformed.
    @inline(__always)
    static func varint(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int) throws(ExportFileError) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while index < end {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 { throw .malformedProtobuf("varint overflows 64 bits") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return (value, index) }
            shift += 7
            if shift > 63 { throw .malformedProtobuf("varint longer than 10 bytes") }
        }
        return nil
    }

    /// Splits a tag into field number and wire type, rejecting what no valid message contains.
    @inline(__always)
    static func splitTag(_ tag: UInt64) throws(ExportFileError) -> (field: UInt64, wire: WireType) {
        let field = tag >> 3
        guard field != 0, field <= 0x1FFF_FFFF else { throw .malformedProtobuf("field number \(field) is invalid") }
        guard let wire = WireType(rawValue: UInt8(tag & 7)) else {
            throw .malformedProtobuf("wire type \(tag & 7) does not exist")
        }
        guard wire != .startGroup, wire != .endGroup else {
            throw .malformedProtobuf("field \(field) uses the deprecated group encoding, which export files never contain")
        }
        return (field, wire)
    }

    /// Bytes after the tag that a non-length-delimited value of `wire` occupies, or `nil` for varints.
    static func fixedWidth(_ wire: WireType) -> Int? {
        switch wire {
        case .fixed64: 8
        case .fixed32: 4
        default: nil
        }
    }

    @inline(__always)
    static func zigZag32(_ value: UInt64) -> Int32 {
        let low = UInt32(truncatingIfNeeded: value)
        return Int32(bitPattern: (low >> 1) ^ (0 &- (low & 1)))
    }
}
