/// `bleagent forget`: the confirmation, the outcome, and why it could not be done.
enum ForgetText: LocalizedMessage {
    case nothingToForget(directory: String)
    /// The confirmation; `directory` nil when the daemon does the wipe.
    case askToConfirm(directory: String?)
    case nothingDeleted
    case forgottenByDaemon
    case forgotten(directory: String)
    case notPermitted(directory: String)
    case daemonRefused
    case noTerminal
    case storeInUse

    static let examples: [ForgetText] = [
        .nothingToForget(directory: "/var/lib/bleagent"), .askToConfirm(directory: "/var/lib/bleagent"), .askToConfirm(directory: nil),
        .nothingDeleted, .forgottenByDaemon, .forgotten(directory: "/var/lib/bleagent"), .notPermitted(directory: "/var/lib/bleagent"),
        .daemonRefused, .noTerminal, .storeInUse,
    ]

    var english: String {
        switch self {
        case .nothingToForget(let directory): "Nothing to forget: there is no contact store in \(directory)."
        case .askToConfirm(let directory):
            "This deletes every record\(directory.map { " in \($0)" } ?? " the bleagent daemon holds") unrecoverably. Type \"yes\" to continue: "
        case .nothingDeleted: "Nothing was deleted."
        case .forgottenByDaemon: "Forgotten: the daemon deleted every record; it records again only after `bleagent consent --accept`."
        case .forgotten(let directory): "Forgotten: every record in \(directory) is gone."
        case .notPermitted(let directory):
            "not permitted to delete the records in \(directory): permission denied (they belong to the bleagent service: run sudo bleagent forget)"
        case .daemonRefused: "not permitted to ask the daemon to forget: root and the bleagent group only (sudo bleagent forget)"
        case .noTerminal: "not asking for confirmation without a terminal: run `bleagent forget --yes`"
        case .storeInUse: "the contact store is in use by another bleagent process: try again when it has finished"
        }
    }

    var japanese: String {
        switch self {
        case .nothingToForget(let directory): "消去するものはありません（\(directory) に接触の記録はありません）。"
        case .askToConfirm(let directory):
            "\(directory.map { "\($0) の" } ?? "bleagent デーモンが保持する")記録をすべて消去します。元には戻せません。"
                + "続ける場合は「yes」（または「はい」）と入力してください: "
        case .nothingDeleted: "何も消去していません。"
        case .forgottenByDaemon: "消去しました。デーモンが記録をすべて消去しました。`bleagent consent --accept` で再び同意するまで記録しません。"
        case .forgotten(let directory): "消去しました。\(directory) の記録はすべてなくなりました。"
        case .notPermitted(let directory):
            "\(directory) の記録を消去する権限がありません（permission denied）。記録は bleagent サービスのものです。sudo bleagent forget で実行してください。"
        case .daemonRefused: "デーモンに消去を依頼する権限がありません。root と bleagent グループだけができます（sudo bleagent forget）。"
        case .noTerminal: "端末から実行されていないため、確認できません。`bleagent forget --yes` で実行してください。"
        case .storeInUse: "接触の記録は別の bleagent プロセスが使用中です。終わってからもう一度実行してください。"
        }
    }
}
