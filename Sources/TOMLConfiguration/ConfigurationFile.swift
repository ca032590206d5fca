import Foundation

/// Finding and reading a configuration file, the same way for the agent and the server.
public enum ConfigurationFile {
    /// The text of `path`, or of `standardPath` when no path is given. Nil only when no path was
    /// given and the standard file does not exist (the defaults apply); a named file that is missing
    /// or unreadable is an error that says so.
    public static func text(at path: String?, standardPath: String) throws(ConfigurationError) -> (text: String, path: String)? {
        let file = path ?? standardPath
        guard FileManager.default.fileExists(atPath: file) else {
            guard path == nil else { throw ConfigurationError(path: file, location: "file", problem: "does not exist") }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(path: file, location: "file", problem: "cannot be read (permissions?)")
        }
        return (String(decoding: data, as: UTF8.self), file)
    }
}
