import Crypto
import Durability
import ExposureNotification
import Foundation

/// The server's three secrets (`ServerSecret`), read from the files the configuration names. Only
/// `bleagent-server init` creates them (`create`); every other verb reads them (`load`) and says
/// what to do when one is missing. Their fingerprints go into the database on first use, and an
/// instance with other secrets is refused there: numbers issued by one instance must verify on
/// every other, and files signed by any must verify with the one public key agents hold.
public struct ServerSecrets: Sendable {
    public var numberSecret: SymmetricKey
    public var signer: ExportWriter.Signer
    public var adminToken: String

    /// Reads the three secrets; a missing or unreadable one is a configuration error naming the file.
    public static func load(_ configuration: ServerConfiguration) throws(ServerError) -> ServerSecrets {
        func read(_ secret: ServerSecret) throws(ServerError) -> Data {
            let path = configuration.secretFile(secret)
            if let data = FileManager.default.contents(atPath: path) { return data }
            if FileManager.default.fileExists(atPath: path) { throw .configuration("\(path) exists but cannot be read (permissions?)") }
            throw .configuration("no \(secret.key.replacingOccurrences(of: "_", with: " ")) at \(path): run `bleagent-server init` once to create "
                                 + "the server's secrets, or name the file in [secrets] \(secret.key) (instances sharing a database share them)")
        }
        let secret = try read(.numberSecret)
        guard secret.count >= 32 else { throw .configuration("\(configuration.numberSecretFile) holds fewer than 32 bytes") }
        let pem = try read(.signingKey)
        let signer: ExportWriter.Signer
        do {
            signer = try ExportWriter.Signer(pem: String(decoding: pem, as: UTF8.self), keyID: configuration.keyID, keyVersion: configuration.keyVersion)
        } catch {
            throw .configuration("\(configuration.signingKeyFile): \(error)")
        }
        let adminToken = String(decoding: try read(.adminToken), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard adminToken.count >= 16 else { throw .configuration("\(configuration.adminTokenFile) holds a token shorter than 16 characters") }
        return ServerSecrets(numberSecret: SymmetricKey(data: secret), signer: signer, adminToken: adminToken)
    }

    /// `bleagent-server init`: creates each secret whose file does not exist yet (mode 0600, its
    /// folder 0700), never one systemd provides as a credential, and writes the signing key's public
    /// half for agents. Returns the files created.
    public static func create(_ configuration: ServerConfiguration,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServerError) -> [String] {
        var created: [String] = []
        do {
            try DurableFile.createFolders(configuration.dataDirectory, mode: 0o700)
        } catch {
            throw .configuration("cannot create the data directory: \(error)")
        }
        for secret in ServerSecret.allCases {
            let path = configuration.secretFile(secret, environment: environment)
            guard !FileManager.default.fileExists(atPath: path) else { continue }
            let credentials = environment["CREDENTIALS_DIRECTORY"].map { $0 + "/" } ?? "$CREDENTIALS_DIRECTORY/"
            if path.hasPrefix(credentials) {
                throw .configuration("\(path) is a systemd credential (LoadCredential=) and does not exist: create it where the unit loads it from")
            }
            let data: Data = switch secret {
            case .numberSecret: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            case .signingKey: Data(P256.Signing.PrivateKey().pemRepresentation.utf8)
            case .adminToken: Data((RegistrationService.randomHex(bytes: 24) + "\n").utf8)
            }
            try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(data, to: path, mode: 0o600, folderMode: 0o700) }
            created.append(path)
        }
        let secrets = try load(configuration)
        try secrets.writePublicKey(configuration)
        return created
    }

    /// The signing key's public half, for agents' `[[keys.public_key]]`, where it is missing or stale.
    public func writePublicKey(_ configuration: ServerConfiguration) throws(ServerError) {
        let publicPEM = Data(signer.privateKey.publicKey.pemRepresentation.utf8)
        guard FileManager.default.contents(atPath: configuration.publicKeyFile) != publicPEM else { return }
        try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(publicPEM, to: configuration.publicKeyFile, mode: 0o644) }
    }

    /// What the database records of these secrets: digests that identify them without revealing them.
    /// The signing key's is recorded per key id and version, so a rotation to a new version (agents
    /// trusting both meanwhile) is a new entry, while two different keys under one version are refused.
    public var fingerprints: [String: String] {
        let numberMark = HMAC<SHA256>.authenticationCode(for: Data("bleagent number secret fingerprint".utf8), using: numberSecret)
        let publicKey = SHA256.hash(data: signer.privateKey.publicKey.derRepresentation)
        return ["number_secret": Hex.encode(Array(numberMark.prefix(8))),
                "signing_key \(signer.keyID) \(signer.keyVersion)": Hex.encode(Array(publicKey.prefix(8)))]
    }

    /// Records the fingerprints in a database used for the first time, or checks them against those
    /// it holds.
    public func claim(_ database: any ServerDatabase, configuration: ServerConfiguration) async throws(ServerError) {
        let mine = fingerprints
        let stored = try await database.adoptIdentity(mine)
        for (name, value) in mine.sorted(by: { $0.key < $1.key }) where stored[name] != value {
            let what = name == "number_secret" ? "number secret (\(configuration.numberSecretFile))"
                : "signing key for key_id \(signer.keyID) version \(signer.keyVersion) (\(configuration.signingKeyFile))"
            throw .configuration("""
                this database was initialised with another \(what): fingerprint \(stored[name] ?? "?"), this instance's \(value). \
                Every instance sharing a database needs the same secrets: copy them from the first instance (or name its files in [secrets])
                """)
        }
    }
}
