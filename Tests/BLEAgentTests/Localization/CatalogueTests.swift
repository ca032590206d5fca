@testable import BLEAgent
import Foundation
import Testing

/// Every message of every catalogue has a Japanese rendering that is written in Japanese and is not
/// the English one, and an English one that holds no Japanese (except the names it quotes).
struct CatalogueTests {
    static let catalogues: [(String, [any LocalizedMessage])] = [
        ("ConsentText", ConsentText.examples), ("StatusText", StatusText.examples), ("ExposuresText", ExposuresText.examples),
        ("NoticeText", NoticeText.examples), ("KeysOwnText", KeysOwnText.examples), ("ForgetText", ForgetText.examples),
        ("GuidanceText", GuidanceText.examples), ("RegisterText", RegisterText.examples), ("ErrorText", ErrorText.examples),
    ]

    /// Names the English text quotes in Japanese on purpose.
    static let quotedNames = ["受診・相談センター", "東京都"]

    static func hasJapanese(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) || (0x4E00...0x9FFF).contains($0.value) }
    }

    @Test func everyMessageHasBothRenderings() {
        for (name, messages) in Self.catalogues {
            #expect(!messages.isEmpty, "\(name) lists no examples")
            for message in messages {
                let english = message.text(.english), japanese = message.text(.japanese)
                #expect(!japanese.trimmingCharacters(in: .whitespaces).isEmpty, "\(name).\(message): empty Japanese")
                #expect(japanese != english, "\(name).\(message): the same in both")
                #expect(Self.hasJapanese(japanese), "\(name).\(message): no Japanese in \(japanese)")
                let plain = Self.quotedNames.reduce(english) { $0.replacingOccurrences(of: $1, with: "") }
                #expect(!Self.hasJapanese(plain), "\(name).\(message): Japanese in the English \(english)")
            }
        }
    }

    /// Arguments show up in both renderings: the person sees the same figures in either language.
    @Test func argumentsAppearInBoth() {
        let samples: [any LocalizedMessage] = [
            NoticeText.body(date: "2026-11-20", contacts: 2, minutes: 31), RegisterText.registered(accepted: 5, sent: 7),
            StatusText.downloads(last: .hoursAgo(3), next: .inMinutes(41), files: 12, sources: 2),
            ErrorText.store(.noStore(directory: "/srv/state")), ForgetText.forgotten(directory: "/srv/state"),
        ]
        let figures = ["2026-11-20", "31", "5", "7", "3", "41", "12", "/srv/state"]
        for message in samples {
            for figure in figures where message.english.contains(figure) {
                #expect(message.japanese.contains(figure), "\(message): \(figure) missing in \(message.japanese)")
            }
        }
    }

    /// Terms are version-stamped in both; the English is what `--json` carries and the daemon's AcceptConsent names.
    @Test func theTermsInBothLanguagesNameTheirVersion() {
        #expect(ConsentCommand.terms == ConsentText.terms(version: AgentDaemon.termsVersion).english)
        #expect(ConsentText.terms(version: "7").japanese.contains("7"))
    }

    /// A Japanese table header lines up: two columns a character.
    @Test func tableColumnsCountWideCharacters() {
        #expect(Output.columns("DATE") == 4)
        #expect(Output.columns("日付") == 4)
        #expect(Output.columns("時間（分）") == 10)
    }

    @Test func yesAndNoInEitherLanguage() {
        #expect(YesNoAnswer.parse("はい") == true)
        #expect(YesNoAnswer.parse(" Y ") == true)
        #expect(YesNoAnswer.parse("いいえ") == false)
        #expect(YesNoAnswer.parse("maybe") == nil)
        #expect(YesNoAnswer.confirms("はい"))
        #expect(YesNoAnswer.confirms("YES"))
        #expect(!YesNoAnswer.confirms("y"))
        #expect(!YesNoAnswer.confirms(nil))
    }

    /// The error a person reads follows the language; `--json`'s message and the exit code never do.
    @Test func errorsKeepTheirCodeAndEnglishForScripts() {
        let error = CLIError(.noInput, ErrorText.store(.noStore(directory: "/srv/state")))
        #expect(error.message == ErrorText.store(.noStore(directory: "/srv/state")).english)
        #expect(error.text(.japanese).contains("/srv/state"))
        #expect(Self.hasJapanese(error.text(.japanese)))
        #expect(error.text(.english) == error.message)
        #expect(error.kind.code == 66)
        #expect(CLIError(.failure, "plain").text(.japanese) == "plain")
    }
}
