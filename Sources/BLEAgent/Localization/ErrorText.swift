import ContactStore

/// The errors people commonly meet in any verb: no store, no permission, the daemon down, a
/// configuration refused. Details that come from elsewhere (a path, a parser's or SQLite's words,
/// the daemon's reply) are quoted as they are.
enum ErrorText: LocalizedMessage {
    case store(StoreError)
    case daemonNotRunning
    case daemonDenied
    /// GetOwnKeys refused: root's alone, not the bleagent group's.
    case ownKeysDenied
    case daemon(String)
    case configurationUnreadable(file: String)
    case configurationRefused(String)
    case noNotificationServer(file: String)
    case noTerminalToConfirm

    static let examples: [ErrorText] = [
        .store(.diskFull(directory: "/var/lib/bleagent")), .store(.locked(directory: "/var/lib/bleagent")), .store(.keyUnavailable("x")),
        .store(.corrupt("x")), .store(.noStore(directory: "/var/lib/bleagent")), .store(.permissionDenied("cannot read /var/lib/bleagent")),
        .store(.directory("x")), .store(.wiped), .store(.io("x")), .daemonNotRunning, .daemonDenied, .ownKeysDenied, .daemon("x"),
        .configurationUnreadable(file: "/etc/bleagent/bleagent.toml"), .configurationRefused("x"),
        .noNotificationServer(file: "/etc/bleagent/bleagent.toml"), .noTerminalToConfirm,
    ]

    var english: String {
        switch self {
        case .store(let error): error.description
        case .daemonNotRunning: "the bleagent daemon is not running (systemctl start bleagent)"
        case .daemonDenied:
            "not allowed to ask the daemon that: contact days are health information, shown to root and the bleagent group "
                + "only (to join: sudo usermod -aG bleagent $USER, then log in again)"
        case .ownKeysDenied:
            "only root may read this device's own keys (they let anyone recognise every identifier it sent): run it with sudo"
        case .daemon(let error): "the daemon: \(error)"
        case .configurationUnreadable(let file): "cannot read \(file): permission denied (run as root or a member of the bleagent group)"
        case .configurationRefused(let detail): detail
        case .noNotificationServer(let file): "no notification server: set [registration] server in \(file) or pass --server URL"
        case .noTerminalToConfirm: "not asking for confirmation without a terminal: add --yes"
        }
    }

    var japanese: String {
        switch self {
        case .store(let error): Self.japanese(error)
        case .daemonNotRunning: "bleagent デーモンが動いていません（起動するには systemctl start bleagent）"
        case .daemonDenied:
            "デーモンにこの問い合わせをする権限がありません。接触の記録は健康に関する情報なので、root と bleagent グループだけが見られます"
                + "（グループに入るには sudo usermod -aG bleagent $USER を実行し、ログインし直してください）"
        case .ownKeysDenied:
            "この端末自身の鍵を読めるのは root だけです（鍵があれば、この端末が発信した識別子をすべて見分けられます）。sudo を付けて実行してください"
        case .daemon(let error): "デーモンからのエラー: \(error)"
        case .configurationUnreadable(let file): "\(file) を読めません: 権限がありません（root か bleagent グループのメンバーとして実行してください）"
        case .configurationRefused(let detail): "設定ファイルに誤りがあります: \(detail)"
        case .noNotificationServer(let file): "通知サーバーが設定されていません。\(file) の [registration] server を設定するか、--server URL を指定してください"
        case .noTerminalToConfirm: "端末から実行されていないため、確認できません。--yes を付けてください"
        }
    }

    private static func japanese(_ error: StoreError) -> String {
        switch error {
        case .diskFull(let directory):
            "\(directory) のディスクがいっぱいです。新しい記録は保存できませんでした（それまでの記録は無事です）。空き容量を確保してください"
        case .locked(let directory): "\(directory) の接触の記録は別のプロセスが使用中です（bleagent デーモンが動いていませんか）"
        case .keyUnavailable(let detail): "接触の記録の鍵が使えません: \(detail)"
        case .corrupt(let detail): "接触の記録が壊れています: \(detail)"
        case .noStore(let directory):
            "\(directory) に接触の記録がありません。エージェントはここで動いたことがありません（--state-dir か [agent] state_directory を確かめてください）"
        case .permissionDenied(let what): "\(what): 権限がありません（root か bleagent グループのメンバーとして実行してください）"
        case .directory(let detail): "状態ディレクトリが使えません: \(detail)"
        case .wiped: "接触の記録は消去されました"
        case .io(let detail): "接触の記録の読み書きに失敗しました: \(detail)"
        }
    }
}
