/// The server's three secrets, each a file (mode 0600) that `bleagent-server init` creates once.
/// Every instance sharing a database must read the same ones (the database keeps their fingerprints).
public enum ServerSecret: String, CaseIterable, Sendable {
    /// The HMAC key under which only keyed hashes of processing numbers are stored.
    case numberSecret = "number-secret"
    /// The ECDSA P-256 key that signs the export files.
    case signingKey = "signing-key.pem"
    /// The bearer token of the health-centre endpoints.
    case adminToken = "admin-token"

    /// Its key in `[secrets]`.
    public var key: String {
        switch self {
        case .numberSecret: "number_secret"
        case .signingKey: "signing_key"
        case .adminToken: "admin_token"
        }
    }
}
