/// What one matching run did, file by file, and the keys that matched.
public struct MatchReport: Sendable {
    public struct FileOutcome: Sendable {
        public enum Status: Hashable, Sendable {
            /// Read, signature accepted, matched.
            case matched
            /// Its SHA-256 is in the processed-files cache (or it appeared twice in this run).
            case alreadyProcessed
            /// Not used: unreadable, or its signature was not accepted. Nothing from it was kept.
            case rejected(String)
        }

        /// Why a file was rejected, for callers that map it to an exit code or a retry.
        public enum Refusal: Hashable, Sendable {
            /// It could not be loaded (missing, unreadable).
            case unavailable
            /// Not a diagnosis-key file, or one that breaks the limits: malformed.
            case malformed
            /// Read whole, but its signature was not accepted.
            case signature
        }

        public var name: String
        public var digest: FileDigest?
        public var status: Status
        public var refusal: Refusal?
        public var header: ExportFile.Header?
        public var signature: SignatureVerdict?
        /// Key records in the file (keys and revised keys, kept or dropped).
        public var keys: Int
        public var warnings: KeyWarningCounts
        public var matchedKeys: Int
        /// Key records that repeated a key already matched in the file (not counted twice).
        public var duplicateKeys: Int
    }

    public var files: [FileOutcome]
    /// Matches from accepted files, in file order.
    public var matches: [KeyMatch]
    public var timings: StageTimings
    /// Threads that matched.
    public var workers: Int

    /// Digests of the files matched in this run: what the processed-files cache should remember.
    public var newlyProcessed: [FileDigest] {
        files.compactMap { $0.status == .matched ? $0.digest : nil }
    }

    /// Key records read from accepted files.
    public var keysMatchedAgainst: Int {
        files.reduce(0) { $0 + ($1.status == .matched ? $1.keys : 0) }
    }
}
