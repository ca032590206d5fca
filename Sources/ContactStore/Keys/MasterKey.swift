import Crypto
import Foundation

/// The store's master key: it seals the epoch-key file and the agent's state records. It is
/// never written next to the data unless the key file is the chosen source (then 0600, alone).
struct MasterKey {
    let key: SymmetricKey

    /// Loads the master key, creating the key file on first use when that is the source.
    static func load(_ source: StoreKeySource, directory: StoreDirectory, create: Bool) throws(StoreError) -> MasterKey {
        let marker = (try? StoreDirectory.read(directory.keySourceMarker)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        switch source {
        case .credential(let path):
            guard let bytes = try StoreDirectory.read(path), bytes.count >= 16 else {
                throw .keyUnavailable("the credential \(path) is missing or shorter than 16 bytes")
            }
            if let marker, marker != source.marker {
                throw .keyUnavailable("this store was created with a key file, not a credential; keep the same key source")
            }
            if marker == nil, create { try writeMarker(source, directory: directory) }
            return MasterKey(key: HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: bytes),
                                                         info: Data("bleagent-store-master-v1".utf8), outputByteCount: 32))
        case .keyFile:
            if marker == "credential" {
                throw .keyUnavailable("this store's key is a systemd credential that only the bleagent service can read; "
                                      + "ask the running daemon, or run with $CREDENTIALS_DIRECTORY set")
            }
            if let bytes = try StoreDirectory.read(directory.keyFile) {
                guard bytes.count == 32 else { throw .corrupt("\(directory.keyFile) is not a 32-byte key") }
                return MasterKey(key: SymmetricKey(data: bytes))
            }
            guard create else { throw .keyUnavailable("\(directory.keyFile) does not exist") }
            let key = SymmetricKey(size: .bits256)
            try StoreDirectory.createAtomically(directory.keyFile, with: key.withUnsafeBytes { Array($0) })
            try writeMarker(source, directory: directory)
            return MasterKey(key: key)
        }
    }

    private static func writeMarker(_ source: StoreKeySource, directory: StoreDirectory) throws(StoreError) {
        try StoreDirectory.createAtomically(directory.keySourceMarker, with: Array(source.marker.utf8))
    }

    /// A key for one purpose, derived from the master key.
    func derived(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("bleagent-store-\(purpose)".utf8), outputByteCount: 32)
    }
}
