/// `bleagent guidance`: the frame around the data file's questions, advice and contacts (those
/// texts come from guidance.json, in its `_ja` fields for Japanese).
enum GuidanceText: LocalizedMessage {
    case ifSymptoms(String)
    case ifCloseContact(String)
    case otherwise(String)
    case prefectureContact(name: String, nameJa: String, contact: String)
    case prefectureWithoutContact(name: String, nameJa: String, file: String)
    case national(contact: String, url: String, asOf: String?)
    case source(String, date: String)
    case unknownPrefecture(String)

    static let examples: [GuidanceText] = [
        .ifSymptoms("…"), .ifCloseContact("…"), .otherwise("…"),
        .prefectureContact(name: "Tokyo", nameJa: "東京都", contact: "…"), .prefectureWithoutContact(name: "Tokyo", nameJa: "東京都", file: "guidance.json"),
        .national(contact: "MHLW", url: "https://www.mhlw.go.jp/", asOf: "2023-05-12"),
        .source("COCOA", date: "2026-11-25"), .unknownPrefecture("Tokio"),
    ]

    var english: String {
        switch self {
        case .ifSymptoms(let advice): "If you have symptoms: \(advice)"
        case .ifCloseContact(let advice): "If not, but someone close was infected or has symptoms: \(advice)"
        case .otherwise(let advice): "Otherwise: \(advice)"
        case .prefectureContact(let name, let nameJa, let contact): "\(name) (\(nameJa)): \(contact)"
        case .prefectureWithoutContact(let name, let nameJa, let file):
            "\(name) (\(nameJa)): no consultation contact recorded in \(file); see the prefecture's official website for its consultation centre (受診・相談センター)."
        case .national(let contact, let url, let asOf): "\(contact): \(url)\(asOf.map { " (as of \($0))" } ?? "")"
        case .source(let source, let date): "Source: \(source) (\(date))."
        case .unknownPrefecture(let name): "unknown prefecture \"\(name)\" (in English or Japanese, e.g. Tokyo or 東京都)"
        }
    }

    var japanese: String {
        switch self {
        case .ifSymptoms(let advice): "症状がある場合: \(advice)"
        case .ifCloseContact(let advice): "症状はないが、身近な人が感染した、または症状がある場合: \(advice)"
        case .otherwise(let advice): "どちらでもない場合: \(advice)"
        case .prefectureContact(_, let nameJa, let contact): "\(nameJa): \(contact)"
        case .prefectureWithoutContact(_, let nameJa, let file):
            "\(nameJa): \(file) には相談先が登録されていません。受診・相談センターは\(nameJa)の公式ウェブサイトで確認してください。"
        case .national(let contact, let url, let asOf): "\(contact): \(url)\(asOf.map { "（\($0)時点）" } ?? "")"
        case .source(let source, let date): "出典: \(source)（\(date)）"
        case .unknownPrefecture(let name): "「\(name)」という都道府県は見つかりません（東京都、Tokyo のように日本語か英語で指定してください）"
        }
    }
}
