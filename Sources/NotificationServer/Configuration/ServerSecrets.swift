import Crypto
import ExposureNotification
import Durability
import Foundation

/// The server's three secrets, made on first start in the data directory (mode 0600):
/// the HMAC key for processing numbers, the ECDSA P-256 signing key (its public half beside it, for
/// agents' `[[keys.public_key]]`) and the bearer token of the health-centre endpoints.
public struct ServerSecrets: Sendable {
    public var numberSecret: SymmetricKey
    public var signer: ExportWriter.Signer
    public var adminToken: String
    /// Files created this time (to tell the operator).
    public var created: [String]

    public static func loadOrCreate(_ configuration: ServerConfiguration) throws(ServerError) -> ServerSecrets {
        var created: [String] = []
        do {
            try DurableFile.createFolders(configuration.dataDirectory, mode: 0o700)
        } catch {
            throw .configuration("cannot create the data directory: \(error)")
        }
        func readOrMake(_ path: String, make: () -> Data) throws(ServerError) -> Data {
            if let data = FileManager.default.contents(atPath: path) { return data }
            if FileManager.default.fileExists(atPath: path) { throw .configuration("\(path) exists but cannot be read (permissions?)") }
            let data = make()
            try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(data, to: path, mode: 0o600) }
            created.append(path)
            return data
        }
        let secret = try readOrMake(configuration.numberSecretFile) { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }
        guard secret.count >= 32 else { throw .configuration("\(configuration.numberSecretFile) holds fewer than 32 bytes") }
        let pem = try readOrMake(configuration.signingKeyFile) { Data(P256.Signing.PrivateKey().pemRepresentation.utf8) }
        let signer: ExportWriter.Signer
        do {
            signer = try ExportWriter.Signer(pem: String(decoding: pem, as: UTF8.self), keyID: configuration.keyID, keyVersion: configuration.keyVersion)
        } catch {
            throw .configuration("\(configuration.signingKeyFile): \(error)")
        }
        let publicPEM = Data(signer.privateKey.publicKey.pemRepresentation.utf8)
        if FileManager.default.contents(atPath: configuration.publicKeyFile) != publicPEM {
            try ServerError.durably { () throws(DurableFileError) in try DurableFile.write(publicPEM, to: configuration.publicKeyFile, mode: 0o644) }
        }
        let token = try readOrMake(configuration.adminTokenFile) {
            Data((RegistrationService.randomHex(bytes: 24) + "\n").utf8)
        }
        let adminToken = String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard adminToken.count >= 16 else { throw .configuration("\(configuration.adminTokenFile) holds a token shorter than 16 characters") }
        return ServerSecrets(numberSecret: SymmetricKey(data: secret), signer: signer, adminToken: adminToken, created: created)
    }
}
