import Crypto
import Foundation
import SwiftProtobuf
import ZIPFoundation

/// Writes signed diagnosis-key files: export.bin (header + `TemporaryExposureKeyExport` encoded by
/// swift-protobuf), export.sig (`TEKSignatureList` with an ECDSA P-256/SHA-256 DER signature over the
/// whole export.bin) and the zip around them (ZIPFoundation). Used by `bleagent keys export`, the
/// notification server's export worker and the tests.
public enum ExportWriter {
    /// The key that signs, and the id/version it is published under.
    public struct Signer: Sendable {
        public var privateKey: P256.Signing.PrivateKey
        public var keyID: String
        public var keyVersion: String

        public init(privateKey: P256.Signing.PrivateKey, keyID: String, keyVersion: String) {
            self.privateKey = privateKey
            self.keyID = keyID
            self.keyVersion = keyVersion
        }

        /// Reads a PEM private key ("EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY", P-256).
        public init(pem: String, keyID: String, keyVersion: String) throws(WriteError) {
            do {
                self.init(privateKey: try P256.Signing.PrivateKey(pemRepresentation: pem), keyID: keyID, keyVersion: keyVersion)
            } catch {
                throw .notAP256PrivateKey
            }
        }

        var info: ExportFile.SignatureInfo {
            ExportFile.SignatureInfo(verificationKeyVersion: keyVersion, verificationKeyID: keyID,
                                     signatureAlgorithm: ExportFile.SignatureInfo.ecdsaP256SHA256OID)
        }
    }

    public enum WriteError: Error, Equatable, CustomStringConvertible {
        case notAP256PrivateKey
        case invalidKey(index: Int, reason: String)
        case zip(String)
        case signing(String)

        public var description: String {
            switch self {
            case .notAP256PrivateKey: "not an ECDSA P-256 private key in PEM form (EC PRIVATE KEY or PRIVATE KEY)"
            case .invalidKey(let index, let reason): "key #\(index + 1) cannot be exported: \(reason)"
            case .zip(let detail): "could not build the zip: \(detail)"
            case .signing(let detail): "could not sign: \(detail)"
            }
        }
    }

    /// export.bin: the 16-byte header and the protobuf message.
    public static func exportBin(header: ExportFile.Header, keys: [TemporaryExposureKey],
                                 revisedKeys: [TemporaryExposureKey] = [],
                                 signatureInfos: [ExportFile.SignatureInfo]) throws(WriteError) -> Data {
        var message = PBTemporaryExposureKeyExport()
        if let start = header.startTimestamp { message.startTimestamp = start }
        if let end = header.endTimestamp { message.endTimestamp = end }
        if let region = header.region { message.region = region }
        if let number = header.batchNumber { message.batchNum = number }
        if let size = header.batchSize { message.batchSize = size }
        message.signatureInfos = signatureInfos.map(Self.protobuf)
        message.keys = try keys.enumerated().map { index, key throws(WriteError) in try protobuf(key, index: index) }
        message.revisedKeys = try revisedKeys.enumerated().map { index, key throws(WriteError) in
            try protobuf(key, index: keys.count + index)
        }
        let body: Data
        do {
            body = try message.serializedData()
        } catch {
            throw .zip("protobuf encoding failed: \(error)")
        }
        return Data(ExportFile.headerMagic) + body
    }

    /// export.sig for `exportBin`.
    public static func signatureFile(for exportBin: Data, signer: Signer, header: ExportFile.Header) throws(WriteError) -> Data {
        let signature: P256.Signing.ECDSASignature
        do {
            signature = try signer.privateKey.signature(for: exportBin)
        } catch {
            throw .signing("\(error)")
        }
        var entry = PBTEKSignature()
        entry.signatureInfo = protobuf(signer.info)
        if let number = header.batchNumber { entry.batchNum = number }
        if let size = header.batchSize { entry.batchSize = size }
        entry.signature = signature.derRepresentation
        var list = PBTEKSignatureList()
        list.signatures = [entry]
        do {
            return try list.serializedData()
        } catch {
            throw .signing("protobuf encoding failed: \(error)")
        }
    }

    /// The complete signed zip, as a key server publishes it.
    public static func archive(header: ExportFile.Header, keys: [TemporaryExposureKey],
                               revisedKeys: [TemporaryExposureKey] = [], signer: Signer) throws(WriteError) -> Data {
        let bin = try exportBin(header: header, keys: keys, revisedKeys: revisedKeys, signatureInfos: [signer.info])
        let sig = try signatureFile(for: bin, signer: signer, header: header)
        return try zip(entries: [("export.bin", bin), ("export.sig", sig)])
    }

    /// A deflated zip of the given entries. The modification time is fixed (it would only leak when the file was made).
    public static func zip(entries: [(name: String, data: Data)]) throws(WriteError) -> Data {
        do {
            let archive = try Archive(accessMode: .create)
            for (name, data) in entries {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                     modificationDate: Date(timeIntervalSince1970: 315_532_800),
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let bytes = archive.data else { throw WriteError.zip("the archive has no data") }
            return bytes
        } catch let error as WriteError {
            throw error
        } catch {
            throw .zip("\(error)")
        }
    }

    private static func protobuf(_ info: ExportFile.SignatureInfo) -> PBSignatureInfo {
        var out = PBSignatureInfo()
        if let version = info.verificationKeyVersion { out.verificationKeyVersion = version }
        if let id = info.verificationKeyID { out.verificationKeyID = id }
        if let algorithm = info.signatureAlgorithm { out.signatureAlgorithm = algorithm }
        return out
    }

    private static func protobuf(_ key: TemporaryExposureKey, index: Int) throws(WriteError) -> PBTemporaryExposureKey {
        guard (1...TemporaryExposureKey.maximumRollingPeriod).contains(key.rollingPeriod) else {
            throw .invalidKey(index: index, reason: "rolling_period \(key.rollingPeriod) is outside 1…144")
        }
        guard let start = Int32(exactly: key.rollingStartIntervalNumber.rawValue) else {
            throw .invalidKey(index: index, reason: "rolling_start_interval_number does not fit int32")
        }
        if let days = key.daysSinceOnsetOfSymptoms, !(-14...14).contains(days) {
            throw .invalidKey(index: index, reason: "days_since_onset_of_symptoms \(days) is outside −14…14")
        }
        var out = PBTemporaryExposureKey()
        out.keyData = Data(key.keyData.bytes)
        out.rollingStartIntervalNumber = start
        out.rollingPeriod = Int32(key.rollingPeriod)
        if let level = key.transmissionRiskLevel { out.transmissionRiskLevel = level }
        if let type = key.reportType, let value = PBTemporaryExposureKey.ReportType(rawValue: Int(type.rawValue)) {
            out.reportType = value
        }
        if let days = key.daysSinceOnsetOfSymptoms { out.daysSinceOnsetOfSymptoms = days }
        return out
    }
}
