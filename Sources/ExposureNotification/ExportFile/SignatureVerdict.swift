/// The outcome of checking a file's signature against the keyring.
public struct SignatureVerdict: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// A signature verified with a trusted key.
        case valid
        /// A trusted key for the named id/version exists, and no signature verifies with it: the
        /// file was altered or signed by someone else.
        case invalid
        /// Nothing could be checked: no signature, no trusted key for it, or an unsupported algorithm.
        case unverified
    }

    public var status: Status
    /// The signature the verdict is about (the verifying one, else the first).
    public var info: ExportFile.SignatureInfo?
    /// Why the status is not `valid`, in words.
    public var reason: String?

    public init(status: Status, info: ExportFile.SignatureInfo? = nil, reason: String? = nil) {
        self.status = status
        self.info = info
        self.reason = reason
    }
}
