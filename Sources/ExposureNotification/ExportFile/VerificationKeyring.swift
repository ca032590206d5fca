import Crypto
import Foundation

/// The public keys a user trusts for diagnosis-key files, each optionally bound to the key id and
/// version a file's `SignatureInfo` names (as a key server publishes them). A key without an id
/// or version matches any: that is what `--public-key PEM` on the command line gives.
public struct VerificationKeyring: Sendable {
    public struct Key: Sendable {
        public var id: String?
        public var version: String?
        public var publicKey: P256.Signing.PublicKey

        public init(id: String? = nil, version: String? = nil, publicKey: P256.Signing.PublicKey) {
            self.id = id
            self.version = version
            self.publicKey = publicKey
        }

        /// Reads a SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----", ECDSA P-256). Line
        /// lengths other than 64 are accepted: key servers publish such PEMs (Google's key 310 does).
        public init(id: String? = nil, version: String? = nil, pem: String) throws(KeyError) {
            if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
                self.init(id: id, version: version, publicKey: key)
                return
            }
            let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let begin = lines.firstIndex(of: "-----BEGIN PUBLIC KEY-----"),
                  let end = lines.firstIndex(of: "-----END PUBLIC KEY-----"), begin < end,
                  let der = Data(base64Encoded: lines[(begin + 1)..<end].joined()),
                  let key = try? P256.Signing.PublicKey(derRepresentation: der)
            else { throw .notAP256PublicKey }
            self.init(id: id, version: version, publicKey: key)
        }

        func matches(_ info: ExportFile.SignatureInfo) -> Bool {
            (id == nil || id == info.verificationKeyID) && (version == nil || version == info.verificationKeyVersion)
        }
    }

    public enum KeyError: Error, Equatable, CustomStringConvertible {
        case notAP256PublicKey

        public var description: String {
            "not an ECDSA P-256 public key in PEM form (expected -----BEGIN PUBLIC KEY-----)"
        }
    }

    public var keys: [Key]

    public init(_ keys: [Key] = []) { self.keys = keys }

    public var isEmpty: Bool { keys.isEmpty }

    func candidates(for info: ExportFile.SignatureInfo) -> [Key] { keys.filter { $0.matches(info) } }
}
