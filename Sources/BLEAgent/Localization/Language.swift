/// The language a person reads the CLI's text in: Japanese when the POSIX locale says so, English
/// otherwise. Only text for people follows it; `--json`, exit codes, log lines, `--help` and the
/// D-Bus API never do (scripts and operators read those).
///
/// Chosen from the environment as `setlocale(LC_MESSAGES, "")` would: `LC_ALL`, then `LC_MESSAGES`,
/// then `LANG`, the first that is set and not empty. GNU's `LANGUAGE` list is not read: it only
/// refines a locale already chosen, and a `C` locale with `LANGUAGE=ja` stays English, as gettext does.
enum Language: Sendable, Equatable, CaseIterable {
    case english
    case japanese

    /// The variables that choose the messages' locale, strongest first.
    static let precedence = ["LC_ALL", "LC_MESSAGES", "LANG"]

    /// The language `environment` asks for: Japanese for a locale name starting with `ja`
    /// (`ja_JP.UTF-8`, `ja_JP`, `ja`), English for anything else (`C`, `POSIX`, `en_US`, none).
    init(environment: [String: String]) {
        let locale = Self.precedence.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        self = Self.isJapanese(locale ?? "") ? .japanese : .english
    }

    /// `ja`, or `ja` followed by a territory, codeset or modifier (`ja_JP`, `ja.UTF-8`, `ja@…`); not `jam` or `jv`.
    private static func isJapanese(_ locale: String) -> Bool {
        guard locale.hasPrefix("ja") else { return false }
        let rest = locale.dropFirst(2)
        guard let next = rest.first else { return true }
        return next == "_" || next == "." || next == "@"
    }
}
