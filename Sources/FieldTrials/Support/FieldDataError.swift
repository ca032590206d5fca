/// A field-data file that cannot be read as its format says: which file, which line (1-based, when
/// the fault is on one), and what was wrong. Data files are input: every fault ends here, never in a trap.
public struct FieldDataError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The folder or a file the dataset needs is not there (or cannot be read).
        case missing
        /// A file is there but does not say what its format promises.
        case malformed
    }

    public var kind: Kind
    /// The file's path as the loader was given it (or a name, for text handed to a parser).
    public var file: String
    public var line: Int?
    public var reason: String

    public init(_ kind: Kind = .malformed, file: String, line: Int? = nil, _ reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)"
    }
}
