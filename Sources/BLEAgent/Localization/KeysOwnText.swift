/// `bleagent keys own` for people: the days of this device's own keys (the key data only under --json).
enum KeysOwnText: LocalizedMessage {
    case noKeys
    case columns
    case count(Int)

    static let examples: [KeysOwnText] = [.noKeys, .columns, .count(1), .count(14)]

    var english: String {
        switch self {
        case .noKeys: "No keys yet: keys are made once consent is given (`bleagent consent --accept`)."
        case .columns: "DAY (UTC)\tFIRST INTERVAL\tINTERVALS"
        case .count(let days): "\(days) day\(days == 1 ? "" : "s") of keys. The key data is printed only with --json."
        }
    }

    var japanese: String {
        switch self {
        case .noKeys: "日次鍵はまだありません。鍵は同意した後に作られます（`bleagent consent --accept`）。"
        case .columns: "日付（UTC）\t最初の区間\t区間の数"
        case .count(let days): "\(days)日分の日次鍵があります。鍵そのものは --json を付けたときだけ表示します。"
        }
    }
}
