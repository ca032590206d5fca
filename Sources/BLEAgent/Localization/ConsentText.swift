/// `bleagent consent`: the privacy terms, the confirmation and its outcome.
enum ConsentText: LocalizedMessage {
    case terms(version: String)
    case askToAccept
    case askToWithdraw
    case nothingChanged
    case given
    case withdrawn

    static let examples: [ConsentText] = [.terms(version: "1"), .askToAccept, .askToWithdraw, .nothingChanged, .given, .withdrawn]

    var english: String {
        switch self {
        case .terms(let version):
            """
            bleagent — privacy terms (version \(version))

            • While you consent, this device broadcasts random codes that change every 10 minutes with its
              Bluetooth address, and records the codes of devices nearby with their signal strength.
            • No name, phone number, e-mail, location, or device identity is recorded. Nobody — neither you
              nor any authority — can learn where, when or with whom a contact happened.
            • Records stay on this device, encrypted, and are destroyed 14 days after they were made.
            • Keys of people who tested positive are downloaded and compared here, on this device.
            • Nothing leaves the device unless you test positive and choose to share your own daily keys.
            • Accuracy is not guaranteed: walls, glass and how the device is placed change the measured distance.
            • You can withdraw consent at any time (`bleagent consent --withdraw`): everything recorded is
              then deleted, unrecoverably.
            """
        case .askToAccept: "Type \"yes\" to agree: "
        case .askToWithdraw: "Type \"yes\" to withdraw and delete every record: "
        case .nothingChanged: "Nothing changed."
        case .given: "Consent given: the agent now advertises, scans and records."
        case .withdrawn: "Consent withdrawn: every record was deleted."
        }
    }

    var japanese: String {
        switch self {
        case .terms(let version):
            """
            bleagent — プライバシーについての同意事項（第\(version)版）

            • 同意いただいている間、この端末は10分ごとに変わるランダムな符号を発信し、そのたびに
              Bluetoothのアドレスも変えます。近くの端末が発信する符号は、電波の強さとともに記録します。
            • 氏名、電話番号、メールアドレス、位置情報、端末を特定する情報は記録しません。いつ、どこで、
              誰と接触したかは、ご本人にも行政機関にも分かりません。
            • 記録は暗号化してこの端末の中だけに保存し、記録から14日たつと消去します。
            • 陽性と診断された方の鍵はこの端末にダウンロードし、照合もこの端末の中で行います。
            • 陽性と診断され、ご自身の日次鍵の提供を選んだ場合を除き、この端末から情報が送られることは
              ありません。
            • 判定の正確さは保証できません。壁やガラス、端末の置き方によって、測られる距離は変わります。
            • 同意はいつでも撤回できます（`bleagent consent --withdraw`）。撤回すると記録はすべて消去され、
              元には戻せません。
            """
        case .askToAccept: "同意する場合は「yes」（または「はい」）と入力してください: "
        case .askToWithdraw: "同意を撤回してすべての記録を消去する場合は「yes」（または「はい」）と入力してください: "
        case .nothingChanged: "何も変更していません。"
        case .given: "同意を受け付けました。符号の発信、周囲の端末の探索と記録を始めます。"
        case .withdrawn: "同意を撤回しました。記録はすべて消去しました。"
        }
    }
}
