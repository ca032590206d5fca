/// Why a btsnoop capture was refused, and where: the record (counted from 1) or the file header.
public struct BtsnoopError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Error, Equatable, Sendable {
        /// The file does not start with "btsnoop\0".
        case notBtsnoop
        case unsupportedVersion(UInt32)
        case unsupportedDatalink(UInt32)
        /// The file ends inside a record header or inside a record's data.
        case truncated(needed: Int, available: Int)
        /// A record says it holds more bytes than the packet had.
        case includedLongerThanOriginal(included: UInt32, original: UInt32)
        /// A timestamp before 1970 or after 2100: not a capture from a real clock.
        case implausibleTime(UInt64)
        /// More records than the reader takes (a bound on work and memory).
        case tooManyRecords(limit: Int)
        /// An HCI event whose own lengths do not add up.
        case malformedEvent(String)
    }

    public var problem: Problem
    /// The record, counted from 1; nil for the file header.
    public var record: Int?

    public init(_ problem: Problem, record: Int?) {
        self.problem = problem
        self.record = record
    }

    public var description: String {
        let place = record.map { "record \($0)" } ?? "file header"
        let what = switch problem {
        case .notBtsnoop: "not a btsnoop capture (no \"btsnoop\" signature; `btmon -w FILE` writes one)"
        case .unsupportedVersion(let version): "btsnoop version \(version) is not supported (only 1)"
        case .unsupportedDatalink(let type):
            "datalink type \(type) is not supported (1001 HCI, 1002 HCI UART/H4, 2001 Linux monitor as btmon -w writes)"
        case .truncated(let needed, let available): "the file ends early: \(needed) bytes needed, \(available) left"
        case .includedLongerThanOriginal(let included, let original):
            "included length \(included) exceeds the original length \(original)"
        case .implausibleTime(let stamp): "timestamp \(stamp) µs is not between 1970 and 2100"
        case .tooManyRecords(let limit): "more than \(limit) records; split the capture"
        case .malformedEvent(let why): "malformed HCI event: \(why)"
        }
        return "\(place): \(what)"
    }
}
