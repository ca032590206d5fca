internal import CZlib

/// Raw DEFLATE (RFC 1951) decompression and CRC-32 through the system zlib, with the output handed
/// out in bounded chunks so a hostile stream can never make us hold more than one chunk.
///
/// Back-end file: owns the heap-allocated `z_stream` (zlib keeps a pointer back to it, so it must
/// never move) and ends it in `deinit`. Not `Sendable`: one per thread, reset between entries.
final class RawInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer

    static let chunkBytes = 64 << 10

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: Self.chunkBytes, alignment: 16)
        guard inflateInit2_(stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            fatalError("zlib could not initialise an inflate stream (out of memory?)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Inflates `input` completely. Calls `consumer` with each chunk of output; fails if the output
    /// would exceed `limit` bytes, differs from `expectedBytes`, its CRC-32 is not `expectedCRC`, or
    /// the stream is truncated or corrupt.
    func inflate(_ input: UnsafeRawBufferPointer, name: String, expectedBytes: Int, expectedCRC: UInt32, limit: Int,
                 consumer: (UnsafeRawBufferPointer) throws(ExportFileError) -> Void) throws(ExportFileError) {
        guard inflateReset(stream) == Z_OK else { throw .malformedZip("\(name): zlib could not reset its stream") }
        guard input.count <= Int(UInt32.max) else { throw .entryTooLarge(name: name, limit: limit) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        var produced = 0
        var crc: UInt = crc32(0, nil, 0)
        while true {
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(Self.chunkBytes)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let count = Self.chunkBytes - Int(stream.pointee.avail_out)
            if count > 0 {
                produced += count
                guard produced <= limit else { throw .entryTooLarge(name: name, limit: limit) }
                guard produced <= expectedBytes else {
                    throw .malformedZip("\(name) inflates to more than the \(expectedBytes) bytes its directory entry states")
                }
                let chunk = UnsafeRawBufferPointer(rebasing: output[0..<count])
                crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), UInt32(count))
                try consumer(chunk)
            }
            switch status {
            case Z_STREAM_END:
                guard produced == expectedBytes else {
                    throw .malformedZip("\(name) inflates to \(produced) bytes, its directory entry states \(expectedBytes)")
                }
                guard UInt32(truncatingIfNeeded: crc) == expectedCRC else { throw .malformedZip("\(name) fails its CRC-32 check") }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: the input ended before the stream did.
                if stream.pointee.avail_in == 0 || count == 0 { throw .malformedZip("\(name) is truncated (the deflate stream does not end)") }
                continue
            default:
                throw .malformedZip("\(name) holds corrupt deflate data")
            }
        }
    }

    /// CRC-32 (the zip polynomial) of `bytes`.
    static func crc32Of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt = crc32(0, nil, 0)
        var offset = 0
        while offset < bytes.count {
            let count = min(bytes.count - offset, Int(UInt32.max))
            crc = crc32(crc, bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Bytef.self) }, UInt32(count))
            offset += count
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
