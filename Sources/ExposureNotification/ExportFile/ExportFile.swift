/// A diagnosis-key file, read completely: what `bleagent keys inspect` shows.
///
/// The matcher never builds this (it streams keys straight into its probe); this is for tools, tests
/// and the notification server.
public struct ExportFile: Sendable {
    /// The 16 bytes every export.bin starts with.
    public static let headerMagic: [UInt8] = Array("EK Export v1    ".utf8)

    public var header: Header
    public var keys: [TemporaryExposureKey]
    public var revisedKeys: [TemporaryExposureKey]
    public var warnings: KeyWarningCounts
    public var signature: SignatureVerdict
    /// SHA-256 of the file as given (the zip, or export.bin for a bare file): its identity in the
    /// processed-files cache.
    public var digest: FileDigest

    /// The batch-level fields of `TemporaryExposureKeyExport`.
    public struct Header: Hashable, Sendable {
        public var startTimestamp: UInt64?
        public var endTimestamp: UInt64?
        public var region: String?
        public var batchNumber: Int32?
        public var batchSize: Int32?
        public var signatureInfos: [SignatureInfo]

        public init(startTimestamp: UInt64? = nil, endTimestamp: UInt64? = nil, region: String? = nil,
                    batchNumber: Int32? = nil, batchSize: Int32? = nil, signatureInfos: [SignatureInfo] = []) {
            self.startTimestamp = startTimestamp
            self.endTimestamp = endTimestamp
            self.region = region
            self.batchNumber = batchNumber
            self.batchSize = batchSize
            self.signatureInfos = signatureInfos
        }
    }

    /// Names the key a file was signed with.
    public struct SignatureInfo: Hashable, Sendable {
        /// ECDSA P-256 with SHA-256, the only algorithm GAEN uses.
        public static let ecdsaP256SHA256OID = "1.2.840.10045.4.3.2"

        public var verificationKeyVersion: String?
        public var verificationKeyID: String?
        public var signatureAlgorithm: String?
    }
}
