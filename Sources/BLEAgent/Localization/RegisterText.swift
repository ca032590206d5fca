import ExposureNotification
import Foundation

/// `bleagent register`: its questions, what it will share, the outcome, and what to do about each
/// refusal. The server's own messages (in `message`) are quoted as it wrote them.
enum RegisterText: LocalizedMessage {
    case askSymptoms
    case askOnsetDay
    case askTestDay
    case askProcessingNumber
    case askToShare(host: String)
    case keysToShare(count: Int, sinceOnset: Bool)
    case nothingElseIsSent
    case sending
    case registered(accepted: Int, sent: Int)
    case registeredUncounted(sent: Int)
    case thanks
    // Refusals of input, before anything is sent.
    case onsetDateNeeded
    case testDateNeeded
    case notADate(String)
    case inTheFuture(String)
    case noKeys(since: String)
    case badProcessingNumber
    case noConsentWithoutTerminal
    case notSent
    indirect case noTerminalToAsk(question: RegisterText)
    indirect case noValidAnswer(question: RegisterText)
    // The server's answers.
    case unreachable(String)
    case unconfirmed(httpStatus: Int)
    case unknownNumber
    case expiredNumber
    case usedNumber
    case incorrectNumber
    case throttled(seconds: Int)
    case refused(String)

    static let examples: [RegisterText] = [
        .askSymptoms, .askOnsetDay, .askTestDay, .askProcessingNumber, .askToShare(host: "example.org"),
        .keysToShare(count: 1, sinceOnset: true), .keysToShare(count: 3, sinceOnset: false), .nothingElseIsSent, .sending,
        .registered(accepted: 3, sent: 3), .registeredUncounted(sent: 3), .thanks, .onsetDateNeeded, .testDateNeeded,
        .notADate("2026-13-01"), .inTheFuture("2027-01-01"), .noKeys(since: "2026-11-20"), .badProcessingNumber,
        .noConsentWithoutTerminal, .notSent, .noTerminalToAsk(question: .askSymptoms), .noValidAnswer(question: .askProcessingNumber),
        .unreachable("127.0.0.1: connection refused"), .unconfirmed(httpStatus: 200), .unknownNumber, .expiredNumber, .usedNumber,
        .incorrectNumber, .throttled(seconds: 3600), .refused("HTTP 400"),
    ]

    /// What the person can do about the server's refusal `code` (its `error`, or `http_STATUS`).
    static func refusal(code: String, message: String) -> RegisterText {
        switch code {
        case RegistrationOutcome.unknownNumber.code: .unknownNumber
        case RegistrationOutcome.expiredNumber.code: .expiredNumber
        case RegistrationOutcome.usedNumber.code: .usedNumber
        // COCOA's own server answers a bad number with a bare 406, without saying which way.
        case "http_406": .incorrectNumber
        default: .refused(message)
        }
    }

    var english: String {
        switch self {
        case .askSymptoms: "Did you have symptoms? [yes/no] "
        case .askOnsetDay: "Day symptoms started (YYYY-MM-DD): "
        case .askTestDay: "Day of the test (YYYY-MM-DD): "
        case .askProcessingNumber: "Processing number (8 digits): "
        case .askToShare(let host): "Share these keys with \(host)? [yes/no] "
        case .keysToShare(let count, let sinceOnset):
            "These \(count) day\(count == 1 ? "" : "s") of keys will be shared (UTC days; days since \(sinceOnset ? "onset" : "the test")):"
        case .nothingElseIsSent: "Nothing else is sent: no name, no location, nothing about whom you met."
        case .sending: "Sending…"
        case .registered(let accepted, let sent):
            "Registered: the server verified the number and accepted \(accepted) of \(sent) key\(sent == 1 ? "" : "s")."
        case .registeredUncounted(let sent): "Registered: the server verified the number (it did not say how many of the \(sent) keys it kept)."
        case .thanks: "People you met will be notified without learning who you are. Thank you."
        case .onsetDateNeeded: "with symptoms, give --onset-date (the day they started)"
        case .testDateNeeded: "without symptoms, give --test-date (the day of the test)"
        case .notADate(let text): "\(text) is not a date (YYYY-MM-DD)"
        case .inTheFuture(let day): "\(day) lies in the future"
        case .noKeys(let since): "no keys from \(since) on: this device was not advertising then (consent given later?)"
        case .badProcessingNumber: "a processing number is 8 digits (the health centre gives it to you)"
        case .noConsentWithoutTerminal: "not sending without consent: run it in a terminal, or add --consent"
        case .notSent: "not sent: nothing was shared"
        case .noTerminalToAsk(let question): "no terminal to ask \"\(question.english.trimmingCharacters(in: .whitespaces))\": give it as an option (see --help)"
        case .noValidAnswer(let question): "no valid answer to \"\(question.english.trimmingCharacters(in: .whitespaces))\""
        case .unreachable(let detail):
            "the notification server could not be reached: \(detail). Nothing was registered; run the same command again later (it will not register twice)."
        case .unconfirmed(let status): "the server answered HTTP \(status) without confirming the registration: treat it as not registered"
        case .unknownNumber:
            "the server does not know this processing number. Check the 8 digits; if they are right, ask the health centre for a new number."
        case .expiredNumber:
            "this processing number has expired (a number is valid for one hour). Ask the health centre to reissue one, then run this again."
        case .usedNumber:
            "this processing number was already used to register. Each number registers once; if that was not you, tell the health centre."
        case .incorrectNumber:
            "the server says the processing number is incorrect (unknown, expired or already used). Check the 8 digits; if they are right, ask the health centre for a new number."
        case .throttled(let seconds):
            "the server is limiting registration attempts: the server asks to wait \(seconds) s before trying again. Try again later."
        case .refused(let message): "the server refused the registration: \(message)"
        }
    }

    var japanese: String {
        switch self {
        case .askSymptoms: "症状はありましたか？ [はい/いいえ] "
        case .askOnsetDay: "症状が出始めた日（YYYY-MM-DD）: "
        case .askTestDay: "検査を受けた日（YYYY-MM-DD）: "
        case .askProcessingNumber: "処理番号（8桁）: "
        case .askToShare(let host): "これらの日次鍵を \(host) に提供しますか？ [はい/いいえ] "
        case .keysToShare(let count, let sinceOnset):
            "次の\(count)日分の日次鍵を提供します（日付はUTC、括弧内は\(sinceOnset ? "発症日" : "検査日")からの日数）:"
        case .nothingElseIsSent: "ほかには何も送りません。氏名も、位置情報も、誰と会ったかも送られません。"
        case .sending: "送信しています…"
        case .registered(let accepted, let sent):
            "登録しました。サーバーが処理番号を確認し、\(sent)件の日次鍵のうち\(accepted)件を受け付けました。"
        case .registeredUncounted(let sent): "登録しました。サーバーが処理番号を確認しました（\(sent)件の日次鍵のうち何件を受け付けたかは返されませんでした）。"
        case .thanks: "あなたが誰かを知られることなく、接触した方々に通知が届きます。ご協力ありがとうございます。"
        case .onsetDateNeeded: "症状がある場合は --onset-date（症状が出始めた日）を指定してください"
        case .testDateNeeded: "症状がない場合は --test-date（検査を受けた日）を指定してください"
        case .notADate(let text): "\(text) は日付（YYYY-MM-DD）ではありません"
        case .inTheFuture(let day): "\(day) は未来の日付です"
        case .noKeys(let since): "\(since) 以降の日次鍵がありません。その頃この端末は発信していませんでした（同意がそれより後だった可能性があります）"
        case .badProcessingNumber: "処理番号は8桁の数字です（保健所から届きます）"
        case .noConsentWithoutTerminal: "同意がないため送信しません。端末から実行するか、--consent を付けてください"
        case .notSent: "送信しませんでした。何も提供していません"
        case .noTerminalToAsk(let question):
            "端末から実行されていないため「\(question.japanese.trimmingCharacters(in: .whitespaces))」を尋ねられません。オプションで指定してください（--help を参照）"
        case .noValidAnswer(let question): "「\(question.japanese.trimmingCharacters(in: .whitespaces))」への有効な回答がありませんでした"
        case .unreachable(let detail):
            "通知サーバーに接続できませんでした（\(detail)）。登録はされていません。後でもう一度同じコマンドを実行してください（二重に登録されることはありません）。"
        case .unconfirmed(let status): "サーバーは HTTP \(status) を返しましたが、登録を確認していません。登録されていないものとしてください"
        case .unknownNumber: "この処理番号はサーバーに登録されていません。8桁の数字を確かめ、正しければ保健所に新しい処理番号を依頼してください。"
        case .expiredNumber: "この処理番号は有効期限が切れています（有効期限は発行から1時間です）。保健所に再発行を依頼し、もう一度実行してください。"
        case .usedNumber: "この処理番号はすでに登録に使われています。処理番号で登録できるのは1回だけです。心当たりがない場合は保健所に連絡してください。"
        case .incorrectNumber:
            "処理番号が正しくないとサーバーが答えました（登録されていない、期限切れ、または使用済み）。8桁の数字を確かめ、正しければ保健所に新しい処理番号を依頼してください。"
        case .throttled(let seconds): "サーバーが登録の試行を制限しています。\(seconds)秒たってから、もう一度実行してください。"
        case .refused(let message): "サーバーが登録を受け付けませんでした（\(message)）"
        }
    }
}
