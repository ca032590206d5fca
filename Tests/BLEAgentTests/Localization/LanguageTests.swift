@testable import BLEAgent
import Testing

/// The language comes from the POSIX locale variables, strongest first, as setlocale reads them.
struct LanguageTests {
    @Test(arguments: [
        (["LANG": "ja_JP.UTF-8"], Language.japanese),
        (["LANG": "ja_JP.utf8"], .japanese),
        (["LANG": "ja_JP"], .japanese),
        (["LANG": "ja"], .japanese),
        (["LANG": "ja_JP.eucJP"], .japanese),
        (["LANG": "C"], .english),
        (["LANG": "POSIX"], .english),
        (["LANG": "C.UTF-8"], .english),
        (["LANG": "en_US.UTF-8"], .english),
        (["LANG": "jam_JM"], .english),
        ([:], .english),
    ])
    func lang(_ environment: [String: String], _ expected: Language) {
        #expect(Language(environment: environment) == expected)
    }

    @Test func lcAllThenLcMessagesThenLang() {
        #expect(Language(environment: ["LC_ALL": "C", "LC_MESSAGES": "ja_JP.UTF-8", "LANG": "ja_JP.UTF-8"]) == .english)
        #expect(Language(environment: ["LC_ALL": "ja_JP.UTF-8", "LANG": "C"]) == .japanese)
        #expect(Language(environment: ["LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"]) == .japanese)
        #expect(Language(environment: ["LC_MESSAGES": "C", "LANG": "ja_JP.UTF-8"]) == .english)
    }

    @Test func anEmptyVariableIsSkipped() {
        #expect(Language(environment: ["LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"]) == .japanese)
        #expect(Language(environment: ["LC_ALL": "", "LANG": ""]) == .english)
    }

    /// GNU's LANGUAGE refines a locale already chosen; alone it chooses nothing.
    @Test func languageAloneDoesNotChoose() {
        #expect(Language(environment: ["LANGUAGE": "ja", "LANG": "C"]) == .english)
        #expect(Language(environment: ["LANGUAGE": "en", "LANG": "ja_JP.UTF-8"]) == .japanese)
    }
}
