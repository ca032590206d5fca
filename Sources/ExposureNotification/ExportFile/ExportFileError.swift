/// Why a diagnosis-key file could not be read. Each case names what is wrong in terms a user can
/// act on (which part of the file, which limit); none of them carries key material.
public enum ExportFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The zip container is broken: no end-of-central-directory record, bad offsets, a bad CRC, …
    case malformedZip(String)
    /// The zip uses a feature we do not read (encryption, a compression method other than stored/deflate, ZIP64, …).
    case unsupportedZip(String)
    case tooManyZipEntries(limit: Int)
    case missingEntry(String)
    case duplicateEntry(String)
    /// An entry inflates (or claims to inflate) past its cap: a zip bomb or a file far beyond any real batch.
    case entryTooLarge(name: String, limit: Int)
    /// `export.bin` does not start with the 16-byte `EK Export v1    ` header.
    case badHeader
    /// The protobuf encoding is broken (truncated, bad varint, impossible wire type, …).
    case malformedProtobuf(String)
    case recordTooLarge(field: String, bytes: Int, limit: Int)
    case tooManyKeys(limit: Int)
    /// `export.sig` is not a readable `TEKSignatureList`.
    case malformedSignatureFile(String)

    public var description: String {
        switch self {
        case .malformedZip(let detail): "not a readable zip file: \(detail)"
        case .unsupportedZip(let detail): "unsupported zip feature: \(detail)"
        case .tooManyZipEntries(let limit): "the zip holds more than \(limit) entries; a key file holds export.bin and export.sig"
        case .missingEntry(let name): "the zip has no \(name) entry"
        case .duplicateEntry(let name): "the zip holds \(name) more than once"
        case .entryTooLarge(let name, let limit): "\(name) is larger than the \(limit)-byte limit (a zip bomb, or not a key file)"
        case .badHeader: "export.bin does not start with the \"EK Export v1\" header: not a diagnosis-key export"
        case .malformedProtobuf(let detail): "export.bin is not valid protobuf: \(detail)"
        case .recordTooLarge(let field, let bytes, let limit): "export.bin field \(field) is \(bytes) bytes, above the \(limit)-byte limit"
        case .tooManyKeys(let limit): "export.bin holds more than \(limit) keys"
        case .malformedSignatureFile(let detail): "export.sig is not a valid TEKSignatureList: \(detail)"
        }
    }
}
