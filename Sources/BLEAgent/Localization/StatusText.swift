import ContactStore

/// `bleagent status` for people. Values the daemon reports as text (its clock state, the radio's
/// reasons and errors, calibration notes) are the D-Bus API's and stay as it says them.
enum StatusText: LocalizedMessage {
    // The daemon is down: what the store says.
    case daemonDown
    case storeCounts(sightings: Int, directory: String, dropped: Int)
    case storeConsent(accepted: Bool)
    case storeContactDays(Int)
    case storeProblem(StoreError)
    case storeLossOffline(String)
    // The daemon answers.
    case consent(accepted: Bool)
    case clock(String)
    case calibration(txPowerDbm: Int, rssiCorrectionDb: Int, note: String)
    case adapter(name: String?, powered: Bool, controllerTxPower: Int?)
    case advertising(rotatedSecondsAgo: Int?)
    case notAdvertising(reason: String?)
    case interval(String)
    case scanning(state: String, lastScan: Elapsed)
    case radioError(String, platform: String)
    case sightingsToday(Int, dropped: Int)
    case downloads(last: Elapsed, next: Elapsed, files: Int, sources: Int)
    case downloadError(String)
    case contactDays(Int)
    case storeError(String)
    case storeLoss(String)

    /// A time before or after now, as people say it.
    enum Elapsed: Sendable, Equatable {
        case never, notScheduled, now
        case secondsAgo(Int), minutesAgo(Int), hoursAgo(Int)
        case inMinutes(Int), inHours(Int)

        /// `time` against `now` (seconds): seconds under 2 min, minutes under 2 h, then hours.
        static func since(_ time: Double?, now: Double) -> Elapsed {
            guard let time, let seconds = Self.seconds(now - time) else { return .never }
            return seconds < 120 ? .secondsAgo(seconds) : seconds < 7200 ? .minutesAgo(seconds / 60) : .hoursAgo(seconds / 3600)
        }

        static func until(_ time: Double?, now: Double) -> Elapsed {
            guard let time, let seconds = Self.seconds(time - now) else { return .notScheduled }
            return seconds <= 0 ? .now : seconds < 7200 ? .inMinutes(seconds / 60) : .inHours(seconds / 3600)
        }

        private static func seconds(_ interval: Double) -> Int? {
            interval.isFinite && abs(interval) < Double(Int32.max) ? Int(interval) : nil
        }

        var english: String {
            switch self {
            case .never: "never"
            case .notScheduled: "not scheduled"
            case .now: "now"
            case .secondsAgo(let n): "\(n) s ago"
            case .minutesAgo(let n): "\(n) min ago"
            case .hoursAgo(let n): "\(n) h ago"
            case .inMinutes(let n): "in \(n) min"
            case .inHours(let n): "in \(n) h"
            }
        }

        var japanese: String {
            switch self {
            case .never: "まだありません"
            case .notScheduled: "予定なし"
            case .now: "まもなく"
            case .secondsAgo(let n): "\(n)秒前"
            case .minutesAgo(let n): "\(n)分前"
            case .hoursAgo(let n): "\(n)時間前"
            case .inMinutes(let n): "\(n)分後"
            case .inHours(let n): "\(n)時間後"
            }
        }
    }

    static let examples: [StatusText] = [
        .daemonDown, .storeCounts(sightings: 12, directory: "/var/lib/bleagent", dropped: 0), .storeConsent(accepted: true),
        .storeConsent(accepted: false), .storeContactDays(1), .storeProblem(.noStore(directory: "/var/lib/bleagent")), .storeLossOffline("x"),
        .consent(accepted: true), .consent(accepted: false), .clock("synchronised"),
        .calibration(txPowerDbm: -8, rssiCorrectionDb: 2, note: "default"), .adapter(name: "hci0", powered: false, controllerTxPower: 7),
        .adapter(name: nil, powered: true, controllerTxPower: nil), .advertising(rotatedSecondsAgo: 30), .notAdvertising(reason: nil),
        .interval("100 ms"), .scanning(state: "idle", lastScan: .secondsAgo(5)), .radioError("x", platform: "bluez"),
        .sightingsToday(3, dropped: 0), .downloads(last: .hoursAgo(2), next: .inMinutes(30), files: 4, sources: 1),
        .downloads(last: .never, next: .notScheduled, files: 0, sources: 2), .downloadError("x"), .contactDays(0),
        .storeError("x"), .storeLoss("x"),
    ]

    var english: String {
        switch self {
        case .daemonDown: "Daemon:     not running (systemctl start bleagent)"
        case .storeCounts(let sightings, let directory, let dropped):
            "Store:      \(sightings) sightings today in \(directory) (\(dropped) dropped at the daily cap)"
        case .storeConsent(let accepted): "Consent:    \(accepted ? "given" : "not given")"
        case .storeContactDays(let days): "Contact days: \(days) in the last 14 days (bleagent exposures)"
        case .storeProblem(let problem): "Store:      \(problem.description)"
        case .storeLossOffline(let loss): "Store loss: \(loss)"
        case .consent(let accepted): "Consent:        \(accepted ? "given" : "not given — run `bleagent consent --accept`")"
        case .clock(let clock): "Clock:          \(clock)"
        case .calibration(let tx, let correction, let note): "Calibration:    TX power \(tx) dBm, RSSI correction \(correction) dB: \(note)"
        case .adapter(let name, let powered, let controller):
            "Adapter:        \(name ?? "none")\(powered ? "" : " (powered off)")"
                + (controller.map { "; its controller says it transmits \($0) dBm (conducted, not advertised)" } ?? "")
        case .advertising(let age): "Advertising:    yes, identifier and address changed \(age.map { "\($0) s" } ?? "?") ago"
        case .notAdvertising(let reason): "Advertising:    NO — \(reason ?? "unknown reason")"
        case .interval(let interval): "Interval:       \(interval)"
        case .scanning(let state, let last): "Scanning:       \(state), last scan \(last.english)"
        case .radioError(let error, let platform): "Radio error:    \(error) [\(platform)]"
        case .sightingsToday(let count, let dropped): "Sightings today: \(count) (\(dropped) dropped at the daily cap)"
        case .downloads(let last, let next, let files, let sources):
            "Downloads:      last \(last.english), next \(next.english); \(files) files processed from \(sources) source\(sources == 1 ? "" : "s")"
        case .downloadError(let error): "Download error: \(error)"
        case .contactDays(let days): "Contact days:   \(days) in the last 14 days (bleagent exposures)"
        case .storeError(let error): "Store error:    \(error)"
        case .storeLoss(let loss): "Store loss:     \(loss)"
        }
    }

    var japanese: String {
        switch self {
        case .daemonDown: "デーモン: 停止中（起動するには systemctl start bleagent）"
        case .storeCounts(let sightings, let directory, let dropped):
            "記録: 本日 \(sightings) 件（\(directory)、1日の上限を超えて記録しなかったもの \(dropped) 件）"
        case .storeConsent(let accepted): "同意: \(accepted ? "同意済み" : "未同意")"
        case .storeContactDays(let days): "陽性者との接触: 過去14日間に \(days) 日（bleagent exposures で確認）"
        case .storeProblem(let problem): "記録: \(ErrorText.store(problem).japanese)"
        case .storeLossOffline(let loss), .storeLoss(let loss): "記録の欠落: \(loss)"
        case .consent(let accepted): "同意: \(accepted ? "同意済み" : "未同意（bleagent consent --accept で同意できます）")"
        case .clock(let clock): "時刻: \(clock)"
        case .calibration(let tx, let correction, let note): "較正: 送信出力 \(tx) dBm、受信強度の補正 \(correction) dB（\(note)）"
        case .adapter(let name, let powered, let controller):
            "Bluetoothアダプター: \(name ?? "なし")\(powered ? "" : "（電源オフ）")"
                + (controller.map { "、コントローラーの申告する送信出力 \($0) dBm（伝導電力。広告に載せる値とは別）" } ?? "")
        case .advertising(let age): "発信: 発信中（符号とアドレスの変更: \(age.map { "\($0)秒前" } ?? "不明")）"
        case .notAdvertising(let reason): "発信: 停止中 — \(reason ?? "理由不明")"
        case .interval(let interval): "発信間隔: \(interval)"
        case .scanning(let state, let last): "探索: \(state)、最後の探索 \(last.japanese)"
        case .radioError(let error, let platform): "無線のエラー: \(error) [\(platform)]"
        case .sightingsToday(let count, let dropped): "本日受信した符号: \(count) 件（1日の上限を超えて記録しなかったもの \(dropped) 件）"
        case .downloads(let last, let next, let files, let sources):
            "陽性者の鍵のダウンロード: 前回 \(last.japanese)、次回 \(next.japanese)。\(sources) か所の配信元から \(files) ファイルを処理済み"
        case .downloadError(let error): "ダウンロードのエラー: \(error)"
        case .contactDays(let days): "陽性者との接触: 過去14日間に \(days) 日（bleagent exposures で確認）"
        case .storeError(let error): "記録のエラー: \(error)"
        }
    }
}
