/// The few facts we need from a zip's central directory, read defensively: every offset and size
/// is checked against the buffer before use, so a hostile archive gives an error, never a crash.
///
/// Supports what diagnosis-key files use: one disk, stored or deflated entries, no encryption,
/// no ZIP64 (a key file is far below 4 GiB). Entries are found by exact name.
struct ZipDirectory {
    struct Entry {
        var name: String
        /// 0 = stored, 8 = deflated.
        var method: UInt16
        var crc32: UInt32
        var compressedBytes: Int
        var uncompressedBytes: Int
        /// Where the entry's (compressed) data starts in the archive.
        var dataOffset: Int
    }

    private(set) var entries: [Entry] = []

    private static let endOfDirectorySignature: UInt32 = 0x0605_4b50
    private static let directorySignature: UInt32 = 0x0201_4b50
    private static let localHeaderSignature: UInt32 = 0x0403_4b50

    init(_ archive: UnsafeRawBufferPointer, maximumEntries: Int) throws(ExportFileError) {
        let end = try Self.findEndOfDirectory(archive)
        let diskNumber = archive.u16(end + 4), directoryDisk = archive.u16(end + 6)
        let entriesOnDisk = Int(archive.u16(end + 8)), totalEntries = Int(archive.u16(end + 10))
        let directoryBytes = Int(archive.u32(end + 12)), directoryOffset = Int(archive.u32(end + 16))
        guard diskNumber == 0, directoryDisk == 0, entriesOnDisk == totalEntries else {
            throw .unsupportedZip("multi-disk archive")
        }
        guard totalEntries != 0xFFFF, directoryBytes != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF else {
            throw .unsupportedZip("ZIP64 archive")
        }
        guard totalEntries <= maximumEntries else { throw .tooManyZipEntries(limit: maximumEntries) }
        guard directoryOffset <= end, directoryBytes <= end - directoryOffset else {
            throw .malformedZip("the central directory lies outside the file")
        }
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directoryBytes
        for _ in 0..<totalEntries {
            guard cursor + 46 <= directoryEnd, archive.u32(cursor) == Self.directorySignature else {
                throw .malformedZip("a central directory record is truncated or has a bad signature")
            }
            let flags = archive.u16(cursor + 8)
            let method = archive.u16(cursor + 10)
            let crc = archive.u32(cursor + 16)
            let compressed = Int(archive.u32(cursor + 20)), uncompressed = Int(archive.u32(cursor + 24))
            let nameLength = Int(archive.u16(cursor + 28)), extraLength = Int(archive.u16(cursor + 30))
            let commentLength = Int(archive.u16(cursor + 32))
            let localOffset = Int(archive.u32(cursor + 42))
            let recordEnd = cursor + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= directoryEnd else { throw .malformedZip("a central directory record runs past the directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: archive[(cursor + 46)..<(cursor + 46 + nameLength)]), as: UTF8.self)
            if flags & 0x1 != 0 { throw .unsupportedZip("\(name) is encrypted") }
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw .unsupportedZip("ZIP64 entry \(name)")
            }
            // The local header repeats the name and may carry a different extra field: its own lengths
            // decide where the data starts.
            guard localOffset <= directoryOffset, localOffset + 30 <= directoryOffset,
                  archive.u32(localOffset) == Self.localHeaderSignature else {
                throw .malformedZip("the local header of \(name) is missing or outside the file")
            }
            let dataOffset = localOffset + 30 + Int(archive.u16(localOffset + 26)) + Int(archive.u16(localOffset + 28))
            guard dataOffset <= directoryOffset, compressed <= directoryOffset - dataOffset else {
                throw .malformedZip("the data of \(name) runs past the end of the file")
            }
            entries.append(Entry(name: name, method: method, crc32: crc, compressedBytes: compressed,
                                 uncompressedBytes: uncompressed, dataOffset: dataOffset))
            cursor = recordEnd
        }
    }

    /// The one entry named `name`; `nil` if absent, an error if there are several.
    func entry(named name: String) throws(ExportFileError) -> Entry? {
        let matches = entries.filter { $0.name == name }
        guard matches.count <= 1 else { throw .duplicateEntry(name) }
        return matches.first
    }

    /// Streams the uncompressed bytes of `entry` to `consumer`, enforcing `limit`, the stated size and the CRC.
    static func extract(_ entry: Entry, from archive: UnsafeRawBufferPointer, limit: Int, inflater: RawInflater,
                        consumer: (UnsafeRawBufferPointer) throws(ExportFileError) -> Void) throws(ExportFileError) {
        guard entry.uncompressedBytes <= limit else { throw .entryTooLarge(name: entry.name, limit: limit) }
        let data = UnsafeRawBufferPointer(rebasing: archive[entry.dataOffset..<(entry.dataOffset + entry.compressedBytes)])
        switch entry.method {
        case 0:
            guard entry.compressedBytes == entry.uncompressedBytes else {
                throw .malformedZip("stored entry \(entry.name) states different compressed and uncompressed sizes")
            }
            guard RawInflater.crc32Of(data) == entry.crc32 else { throw .malformedZip("\(entry.name) fails its CRC-32 check") }
            // Hand out stored data in the same bounded chunks as inflated data.
            var offset = 0
            while offset < data.count {
                let count = min(RawInflater.chunkBytes, data.count - offset)
                try consumer(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + count)]))
                offset += count
            }
        case 8:
            try inflater.inflate(data, name: entry.name, expectedBytes: entry.uncompressedBytes,
                                 expectedCRC: entry.crc32, limit: limit, consumer: consumer)
        default:
            throw .unsupportedZip("\(entry.name) uses compression method \(entry.method) (only stored and deflate are read)")
        }
    }

    /// The end-of-central-directory record: the last signature whose comment length reaches exactly to the end.
    private static func findEndOfDirectory(_ archive: UnsafeRawBufferPointer) throws(ExportFileError) -> Int {
        guard archive.count >= 22 else { throw .malformedZip("too short to be a zip file (\(archive.count) bytes)") }
        let lowest = max(0, archive.count - 22 - 0xFFFF)
        var offset = archive.count - 22
        while offset >= lowest {
            if archive.u32(offset) == endOfDirectorySignature, offset + 22 + Int(archive.u16(offset + 20)) == archive.count {
                return offset
            }
            offset -= 1
        }
        throw .malformedZip("no end-of-central-directory record")
    }
}

extension UnsafeRawBufferPointer {
    /// Little-endian reads at offsets the caller has bounds-checked.
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
