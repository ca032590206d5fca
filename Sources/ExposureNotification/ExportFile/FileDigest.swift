import Crypto
import Foundation

/// SHA-256 of a downloaded file: how the processed-files cache recognises a file it has matched before.
public struct FileDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    init(_ digest: SHA256.Digest) { self.bytes = Array(digest) }

    /// SHA-256 of `data`.
    public static func of<Bytes: ContiguousBytes>(_ data: Bytes) -> FileDigest {
        FileDigest(data.withUnsafeBytes { SHA256.hash(data: $0) })
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = FileDigest(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SHA-256 hex digest"))
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
