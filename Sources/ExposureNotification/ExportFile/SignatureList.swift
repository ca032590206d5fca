import Crypto
import SwiftProtobuf

/// The signatures of `export.sig` (a `TEKSignatureList`), and their check against a keyring.
/// The file is a few hundred bytes, so swift-protobuf decodes it.
struct SignatureList {
    struct Entry {
        var info: ExportFile.SignatureInfo
        var batchNumber: Int32?
        var batchSize: Int32?
        var der: [UInt8]
    }

    var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    init(serialized bytes: [UInt8]) throws(ExportFileError) {
        let list: PBTEKSignatureList
        do {
            list = try PBTEKSignatureList(serializedBytes: bytes)
        } catch {
            throw .malformedSignatureFile("\(error)")
        }
        entries = list.signatures.map { signature in
            let info = signature.signatureInfo
            return Entry(info: ExportFile.SignatureInfo(
                verificationKeyVersion: info.hasVerificationKeyVersion ? info.verificationKeyVersion : nil,
                verificationKeyID: info.hasVerificationKeyID ? info.verificationKeyID : nil,
                signatureAlgorithm: info.hasSignatureAlgorithm ? info.signatureAlgorithm : nil),
                batchNumber: signature.hasBatchNum ? signature.batchNum : nil,
                batchSize: signature.hasBatchSize ? signature.batchSize : nil,
                der: [UInt8](signature.signature))
        }
    }

    /// Checks the signatures over a SHA-256 digest of export.bin. A signature counts only if it names
    /// the ECDSA P-256/SHA-256 OID, a trusted key matches its key id and version, and its batch
    /// number and size are those of export.bin (they are not signed, so they must at least agree).
    func verdict(digest: SHA256.Digest, header: ExportFile.Header, keyring: VerificationKeyring) -> SignatureVerdict {
        guard let first = entries.first else {
            return SignatureVerdict(status: .unverified, reason: "export.sig holds no signature")
        }
        guard !keyring.isEmpty else {
            return SignatureVerdict(status: .unverified, info: first.info, reason: "no public key given to verify with")
        }
        var tried: ExportFile.SignatureInfo?
        var unsupported: String?
        for entry in entries {
            let algorithm = entry.info.signatureAlgorithm
            guard algorithm == ExportFile.SignatureInfo.ecdsaP256SHA256OID else {
                unsupported = algorithm ?? "(none)"
                continue
            }
            let candidates = keyring.candidates(for: entry.info)
            guard !candidates.isEmpty else { continue }
            tried = tried ?? entry.info
            guard entry.batchNumber == header.batchNumber, entry.batchSize == header.batchSize else { continue }
            guard let signature = try? P256.Signing.ECDSASignature(derRepresentation: entry.der) else { continue }
            for key in candidates where key.publicKey.isValidSignature(signature, for: digest) {
                return SignatureVerdict(status: .valid, info: entry.info)
            }
        }
        if let tried {
            return SignatureVerdict(status: .invalid, info: tried, reason: "the signature does not match the file and the trusted key")
        }
        if let unsupported {
            return SignatureVerdict(status: .unverified, info: first.info,
                                    reason: "signature algorithm \"\(unsupported)\" is not the ECDSA P-256/SHA-256 OID \(ExportFile.SignatureInfo.ecdsaP256SHA256OID)")
        }
        let id = first.info.verificationKeyID ?? "(none)", version = first.info.verificationKeyVersion ?? "(none)"
        return SignatureVerdict(status: .unverified, info: first.info,
                                reason: "no trusted public key for key id \(id), version \(version)")
    }
}
