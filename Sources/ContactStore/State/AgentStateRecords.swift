/// Consent, as COCOA required it: nothing runs before it; withdrawing it wipes the store.
public struct ConsentRecord: Hashable, Sendable, Codable {
    public var accepted: Bool
    /// Unix seconds of the decision.
    public var decidedAt: Int64
    /// Which version of the privacy terms was shown.
    public var termsVersion: String

    public init(accepted: Bool, decidedAt: Int64, termsVersion: String) {
        self.accepted = accepted
        self.decidedAt = decidedAt
        self.termsVersion = termsVersion
    }
}

/// A positive registration the user made from this device.
public struct RegistrationRecord: Hashable, Sendable, Codable {
    public var registeredAt: Int64
    /// Days of own keys that were shared.
    public var sharedDays: [Int32]
    /// The idempotency key of the request, so a retry never registers twice.
    public var idempotencyKey: String

    public init(registeredAt: Int64, sharedDays: [Int32], idempotencyKey: String) {
        self.registeredAt = registeredAt
        self.sharedDays = sharedDays
        self.idempotencyKey = idempotencyKey
    }
}

/// How far the downloader got with one key source.
public struct DownloadState: Hashable, Sendable, Codable {
    /// COCOA list.json: the largest `created` (epoch milliseconds) processed.
    public var lastCreated: Int64?
    /// index.txt: the last line processed.
    public var lastIndexLine: String?
    /// Unix seconds of the last successful download.
    public var lastSuccessAt: Int64?

    public init(lastCreated: Int64? = nil, lastIndexLine: String? = nil, lastSuccessAt: Int64? = nil) {
        self.lastCreated = lastCreated
        self.lastIndexLine = lastIndexLine
        self.lastSuccessAt = lastSuccessAt
    }
}
