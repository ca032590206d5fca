/// Sixteen bytes held by value in two machine words: the size of a TEK, an RPIK/AEMK and an RPI.
///
/// The bytes keep their wire order in memory (`lo` holds bytes 0–7 as loaded on a little-endian
/// machine), so a `Block16` can be copied to and from byte buffers without any reordering.
public struct Block16: Hashable, Sendable {
    public var lo: UInt64
    public var hi: UInt64

    @inlinable
    public init(lo: UInt64, hi: UInt64) {
        self.lo = lo
        self.hi = hi
    }

    public static let zero = Block16(lo: 0, hi: 0)

    /// Reads 16 bytes; `nil` unless `bytes` holds exactly 16.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        var value = Block16.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
        }
        self = value
    }

    /// Reads 16 bytes at `offset` of a raw buffer the caller has bounds-checked.
    @inlinable
    public init(loadingFrom raw: UnsafeRawBufferPointer, at offset: Int) {
        self.init(lo: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                  hi: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
    }

    /// The 16 bytes in wire order.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: self) { Array($0) }
    }

    /// Calls `body` with the 16 bytes in wire order.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: self, body)
    }
}

extension Block16: CustomStringConvertible {
    /// Lower-case hex. Never log this for TEKs, RPIs or keys: it is for explicit user output only.
    public var description: String { Hex.encode(bytes) }
}

extension Block16 {
    /// Parses 32 hex digits.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let value = Block16(bytes: bytes) else { return nil }
        self = value
    }
}
