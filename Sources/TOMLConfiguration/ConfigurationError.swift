import Foundation

/// A configuration file a program refuses, with where and what.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var path: String
    /// `line 12` for syntax errors, `[radio] scan_window_seconds` for a wrong value.
    public var location: String
    public var problem: String

    public var description: String { "\(path): \(location): \(problem)" }
}
