import Foundation
import HostSupport

/// What `bleagent logs` sends to help find a fault: the environment (versions, OS, board model), the
/// daemon's operating state, and its recent journal messages — scrubbed of anything that could
/// identify the person or the device: no host name, no IP or Bluetooth address, no identifier or
/// key material (long hex or base64 runs), no user name in paths, no contact days.
struct OperationLog: Encodable {
    struct Environment: Encodable {
        var bleagent: String
        var os: String
        var kernel: String
        var architecture: String
        var board: String
        var bluez: String
    }

    struct Record: Encodable {
        var time: String
        var priority: Int
        var message: String
    }

    static let format = "bleagent-operation-log/1"
    var format = Self.format
    var environment: Environment
    var daemon: [String: String]
    var records: [Record]
    var note: String?

    /// Gathers everything from this machine now.
    static func collect(status: DaemonStatus?, journalDays: Int = 3, maximumRecords: Int = 2_000) -> OperationLog {
        let scrubber = Scrubber()
        var daemon: [String: String] = ["state": status == nil ? "not running" : "running"]
        if let status {
            daemon["version"] = status.version
            daemon["consent"] = status.consent.accepted ? "given" : "not given"
            daemon["calibration.source"] = status.calibration.source
            if let radio = status.radio {
                daemon["radio.adapter"] = radio.adapter ?? "none"
                daemon["radio.powered"] = "\(radio.powered)"
                daemon["radio.advertising"] = "\(radio.advertising)"
                daemon["radio.quiet_reason"] = radio.quietReason.map(scrubber.scrub)
                daemon["radio.tx_power"] = "\(radio.txPower)"
                daemon["radio.advertising_interval"] = radio.advertisingInterval
                daemon["radio.scanning"] = radio.scanning
                daemon["radio.scan_windows"] = "\(radio.scanWindows)"
                daemon["radio.last_error"] = radio.lastError.map(scrubber.scrub)
                daemon["radio.platform"] = scrubber.scrub(radio.platform)
            }
            daemon["downloads.files_processed"] = "\(status.downloads.filesProcessed)"
            daemon["downloads.sources"] = "\(status.downloads.sources)"
            daemon["downloads.last_error"] = status.downloads.lastError.map(scrubber.scrub)
            daemon["store_error"] = status.storeError.map(scrubber.scrub)
        }
        let (records, note) = journal(days: journalDays, limit: maximumRecords, scrubber: scrubber)
        return OperationLog(environment: environment(), daemon: daemon, records: records, note: note)
    }

    static func environment() -> Environment {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"
        let board = ["/proc/device-tree/model", "/sys/firmware/devicetree/base/model", "/sys/class/dmi/id/product_name"]
            .lazy.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            .map { $0.replacingOccurrences(of: "\0", with: "").trimmingCharacters(in: .whitespacesAndNewlines) }
            .first { !$0.isEmpty } ?? "unknown"
        let bluez = ChildProcess.output(["bluetoothd", "--version"]).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown"
        return Environment(bleagent: BLEAgentVersion.current, os: os, kernel: field(name.release), architecture: field(name.machine),
                           board: board, bluez: bluez.isEmpty ? "unknown" : bluez)
    }

    /// The bleagent unit's journal of the last `days`, newest `limit` messages.
    static func journal(days: Int, limit: Int, scrubber: Scrubber) -> ([Record], String?) {
        guard let text = ChildProcess.output(["journalctl", "--unit", "bleagent.service", "--since", "-\(days)d", "--output", "json",
                                              "--no-pager", "--lines", "\(limit)"]) else {
            return ([], "journalctl is not available or the journal could not be read (run as root or in the systemd-journal group)")
        }
        return (records(journalJSON: text, scrubber: scrubber), nil)
    }

    /// The records of `journalctl --output json` lines, scrubbed. Contact notices are left out whole
    /// (by their MESSAGE_ID, or their text where they went to stderr without one): a support log
    /// never says whether, or on which day, its sender had a contact.
    static func records(journalJSON text: String, scrubber: Scrubber) -> [Record] {
        let formatter = ISO8601DateFormatter()
        return text.split(whereSeparator: \.isNewline).compactMap { line -> Record? in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let message = object["MESSAGE"] as? String else { return nil }   // binary messages are left out
            if object["MESSAGE_ID"] as? String == ContactNotifier.messageID || ContactNotifier.noticeMarkers.contains(where: { message.contains($0) }) { return nil }
            let micros = (object["__REALTIME_TIMESTAMP"] as? String).flatMap(Double.init) ?? 0
            return Record(time: formatter.string(from: Date(timeIntervalSince1970: micros / 1_000_000)),
                          priority: (object["PRIORITY"] as? String).flatMap(Int.init) ?? 6, message: scrubber.scrub(message))
        }
    }
}

/// Removes what could identify a person or device from free text.
struct Scrubber {
    private let rules: [(NSRegularExpression, String)]

    init(hostName: String = ProcessInfo.processInfo.hostName) {
        let patterns: [(String, String)] = [
            (#"(?:[0-9A-Fa-f]{2}[:_-]){5}[0-9A-Fa-f]{2}"#, "<address>"),               // Bluetooth/MAC, also dev_AA_BB_…
            (#"\b(?:\d{1,3}\.){3}\d{1,3}\b"#, "<ip>"),
            (#"(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?"#, "<ip>"),   // IPv6 with ::
            (#"\b(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}\b"#, "<ip>"),                          // IPv6 in full (not 12:34:56)
            (#"\b[0-9A-Fa-f]{16,}\b"#, "<hex>"),                                     // keys, RPIs, digests
            (#"[A-Za-z0-9+/]{22,}={0,2}"#, "<data>"),                                // base64 key material
            (#"/home/[^/\s]+"#, "/home/<user>"),
            (#"\b\d{4}-\d{2}-\d{2}\b"#, "<date>"),                                  // days (of contacts, of keys)
        ]
        var rules = patterns.compactMap { pattern, replacement in
            (try? NSRegularExpression(pattern: pattern)).map { ($0, replacement) }
        }
        let host = hostName.split(separator: ".").first.map(String.init) ?? ""
        if host.count >= 2, host != "localhost", let expression = try? NSRegularExpression(pattern: NSRegularExpression.escapedPattern(for: host), options: [.caseInsensitive]) {
            rules.insert((expression, "<host>"), at: 0)
        }
        self.rules = rules
    }

    func scrub(_ text: String) -> String {
        rules.reduce(text) { text, rule in
            rule.0.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: rule.1)
        }
    }
}
