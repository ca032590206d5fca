import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A secret the configuration names by file: a path, or `credential:NAME` for
/// `$CREDENTIALS_DIRECTORY/NAME` (systemd's `LoadCredential=`, readable by the service alone).
public struct SecretFile: Sendable, Equatable {
    /// As written in the configuration.
    public var reference: String
    /// The file it means.
    public var path: String

    public init(_ reference: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServerError) {
        self.reference = reference
        if reference.hasPrefix("credential:") {
            let name = String(reference.dropFirst("credential:".count))
            guard !name.isEmpty, !name.contains("/") else { throw .configuration("\"\(reference)\": expected credential:NAME, a name without \"/\"") }
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
                throw .configuration("\"\(reference)\" needs $CREDENTIALS_DIRECTORY: run under systemd with LoadCredential=\(name):PATH, or name the file itself")
            }
            path = "\(directory)/\(name)"
        } else {
            guard !reference.isEmpty else { throw .configuration("an empty file name") }
            path = reference
        }
    }

    /// The secret: the file's text without its trailing newline (`echo secret > file` writes one).
    public func read() throws(ServerError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            throw .configuration("\(path) (\(reference)) \(why)")
        }
        var text = String(decoding: data, as: UTF8.self)
        // Scalars, not characters: "\r\n" is one Character.
        while let last = text.unicodeScalars.last, last == "\n" || last == "\r" { text.unicodeScalars.removeLast() }
        guard !text.isEmpty else { throw .configuration("\(path) (\(reference)) is empty") }
        return text
    }

    /// The permission bits of `path` (nil: it cannot be examined).
    public static func mode(of path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }
}
