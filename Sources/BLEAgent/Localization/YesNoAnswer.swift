import Foundation

/// What a person typed at a question, read the same whatever the language: the English words work
/// everywhere, and the Japanese ones too (a prompt in Japanese invites はい).
enum YesNoAnswer {
    /// `yes`, `y`, `はい` → true; `no`, `n`, `いいえ` → false; anything else nil (ask again).
    static func parse(_ answer: String) -> Bool? {
        let word = answer.trimmingCharacters(in: .whitespaces).lowercased()
        if ["yes", "y", "はい"].contains(word) { return true }
        if ["no", "n", "いいえ"].contains(word) { return false }
        return nil
    }

    /// Whether something that cannot be undone is confirmed: the whole word, `yes` or `はい`.
    static func confirms(_ answer: String?) -> Bool {
        guard let word = answer?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return word == "yes" || word == "はい"
    }
}
