/// A contact notice: the desktop notification and the lines of `bleagent notify --follow`, and the
/// journal entry the daemon writes (its MESSAGE only: MESSAGE_ID and the other fields never change).
enum NoticeText: LocalizedMessage {
    /// The notification's title; every notice's text starts with it.
    case summary
    case body(date: String, contacts: Int, minutes: Int)
    /// The line `notify` prints (no session bus, or a terminal watching).
    case printed(date: String, contacts: Int, minutes: Int)
    /// The journal's entry: that a new notice exists and how to see it, never the day or the counts.
    case journal
    case listening(printing: Bool)
    case forgotten

    static let examples: [NoticeText] = [
        .summary, .body(date: "2026-11-20", contacts: 1, minutes: 20), .body(date: "2026-11-20", contacts: 2, minutes: 31),
        .printed(date: "2026-11-20", contacts: 1, minutes: 20), .journal, .listening(printing: true), .listening(printing: false), .forgotten,
    ]

    var english: String {
        switch self {
        case .summary: "Possible contact with a person who tested positive"
        case .body(let date, let contacts, let minutes):
            "On \(date): \(contacts) contact\(contacts == 1 ? "" : "s"), \(minutes) minutes. Run `bleagent guidance` for what to do."
        case .printed(let date, let contacts, let minutes):
            "\(Self.summary.english). \(Self.body(date: date, contacts: contacts, minutes: minutes).english)"
        case .journal:
            "\(Self.summary.english): a new contact day was found. See it with `bleagent exposures` "
                + "(root and the bleagent group); `bleagent guidance` says what to do."
        case .listening(let printing): "Listening for contact notices\(printing ? " (no session bus: printing them)" : "")."
        case .forgotten: "The agent deleted every record: the notices shown here are forgotten too."
        }
    }

    var japanese: String {
        switch self {
        case .summary: "陽性と診断された方と接触した可能性があります"
        case .body(let date, let contacts, let minutes):
            "\(date)に\(contacts)回、合わせて\(minutes)分の接触がありました。これからどうすればよいかは `bleagent guidance` で確認できます。"
        case .printed(let date, let contacts, let minutes):
            "\(Self.summary.japanese)。\(Self.body(date: date, contacts: contacts, minutes: minutes).japanese)"
        case .journal:
            "\(Self.summary.japanese)。新しい接触日が見つかりました。`bleagent exposures` で確認してください"
                + "（root と bleagent グループのみ閲覧できます）。これからどうすればよいかは `bleagent guidance` で確認できます。"
        case .listening(let printing): "接触の通知を待っています\(printing ? "（セッションバスがないため、ここに表示します）" : "")。"
        case .forgotten: "エージェントがすべての記録を消去したため、ここで表示した通知の記録も消去しました。"
        }
    }
}
