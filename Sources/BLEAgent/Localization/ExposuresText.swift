/// `bleagent exposures`: the contact days of the last 14 days.
enum ExposuresText: LocalizedMessage {
    case noContact
    case heading
    case columns
    case seeGuidance

    static let examples: [ExposuresText] = [.noContact, .heading, .columns, .seeGuidance]

    var english: String {
        switch self {
        case .noContact: "No contact with a person who tested positive in the last 14 days."
        case .heading: "Possible contact with a person who tested positive:"
        case .columns: "DATE\tCONTACTS\tMINUTES"
        case .seeGuidance: "See `bleagent guidance` for what to do next."
        }
    }

    var japanese: String {
        switch self {
        case .noContact: "過去14日間に、陽性と診断された方との接触はありませんでした。"
        case .heading: "陽性と診断された方と接触した可能性があります:"
        case .columns: "日付\t接触の回数\t時間（分）"
        case .seeGuidance: "これからどうすればよいかは `bleagent guidance` で確認できます。"
        }
    }
}
