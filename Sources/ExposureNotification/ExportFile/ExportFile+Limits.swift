extension ExportFile {
    /// Bounds that keep a hostile or broken file from exhausting memory or time.
    /// Every violation is an `ExportFileError`, never a crash.
    public struct Limits: Hashable, Sendable {
        /// Cap on the uncompressed size of `export.bin` (header included).
        public var maximumExportBytes: Int
        /// Cap on the uncompressed size of `export.sig`.
        public var maximumSignatureBytes: Int
        /// Cap on the number of entries in the zip's central directory.
        public var maximumZipEntries: Int
        /// Cap on keys plus revised keys in one file.
        public var maximumKeys: Int
        /// Cap on the encoded size of one key record, region or signature info.
        public var maximumRecordBytes: Int
        /// Cap on the distinct keys of one file that match the sightings held. Each is someone met
        /// who tested positive; a file past this is refused as not credible (and would hold memory).
        public var maximumMatchedKeys: Int

        public init(maximumExportBytes: Int = 64 << 20, maximumSignatureBytes: Int = 64 << 10,
                    maximumZipEntries: Int = 16, maximumKeys: Int = 1_000_000, maximumRecordBytes: Int = 64 << 10,
                    maximumMatchedKeys: Int = 10_000) {
            self.maximumExportBytes = maximumExportBytes
            self.maximumSignatureBytes = maximumSignatureBytes
            self.maximumZipEntries = maximumZipEntries
            self.maximumKeys = maximumKeys
            self.maximumRecordBytes = maximumRecordBytes
            self.maximumMatchedKeys = maximumMatchedKeys
        }

        public static let `default` = Limits()
    }
}
