import Foundation

/// The one JSON convention of bleagent's own documents: snake_case keys from Swift's camelCase
/// names, so a type needs no hand-written `CodingKeys` to be read by scripts (`--json`, the daemon's
/// D-Bus answers, the server's answers, configuration files). Acronyms in names encode as one word
/// (`keyID` → `key_id`); a type that is also *decoded* spells them as words (`keyId`), because
/// decoding maps `key_id` back to `keyId`.
///
/// Not for formats fixed elsewhere: COCOA's registration request (camelCase, `DiagnosisSubmission`),
/// the store's sealed records (their bytes are on disk already), or a type with custom coding.
public enum SnakeCaseJSON {
    /// Sorted keys, slashes unescaped: stable output for diffs and tests.
    public static func encoder(_ formatting: JSONEncoder.OutputFormatting = [.sortedKeys, .withoutEscapingSlashes]) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = formatting
        return encoder
    }

    /// How a Swift name is spelled in these documents (`secondsSinceLastScan` → `seconds_since_last_scan`,
    /// `keyID` → `key_id`), for messages that name a key: the user wrote the snake_case one.
    public static func key(_ name: String) -> String {
        let characters = Array(name)
        var out = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) { out += "_" }
            }
            out += character.lowercased()
        }
        return out
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
