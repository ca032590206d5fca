/// A message for a person, written in English and in Japanese. Each catalogue is an enum of such
/// messages whose arguments are typed; `switch` makes every message have both renderings.
protocol LocalizedMessage: Sendable {
    var english: String { get }
    var japanese: String { get }
    /// One value of every message, arguments filled in: what the catalogue tests render.
    static var examples: [Self] { get }
}

extension LocalizedMessage {
    /// The message as `language` reads it.
    func text(_ language: Language) -> String {
        switch language {
        case .english: english
        case .japanese: japanese
        }
    }

    /// A table's header row, its cells written separated by tabs.
    func cells(_ language: Language) -> [String] {
        text(language).split(separator: "\t").map(String.init)
    }
}
