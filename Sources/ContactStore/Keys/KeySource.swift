import Foundation

/// Where the store's master key comes from. The master key never sits next to the data in the
/// clear: it is either a systemd credential (`LoadCredential=`/`LoadCredentialEncrypted=`, read
/// from `$CREDENTIALS_DIRECTORY`) or a separate 0600 key file in the state directory.
public enum StoreKeySource: Hashable, Sendable, CustomStringConvertible {
    /// A credential file; any length ≥ 16 bytes (it is run through HKDF).
    case credential(path: String)
    /// `store.key` in the state directory: 32 random bytes, created on first use.
    case keyFile

    /// The credential's name in `$CREDENTIALS_DIRECTORY`.
    public static let credentialName = "store-key"

    /// The credential if the service manager provides it, else the key file.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreKeySource {
        if let directory = environment["CREDENTIALS_DIRECTORY"] {
            let path = directory + "/" + credentialName
            if FileManager.default.fileExists(atPath: path) { return .credential(path: path) }
        }
        return .keyFile
    }

    var marker: String {
        switch self {
        case .credential: "credential"
        case .keyFile: "file"
        }
    }

    public var description: String {
        switch self {
        case .credential(let path): "systemd credential \(path)"
        case .keyFile: "key file"
        }
    }
}
