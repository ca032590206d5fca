import Foundation

/// The indexes key servers publish, listing their diagnosis-key files: COCOA's `list.json` and the
/// exposure-notifications-server's `index.txt`. Parsing and writing only; fetching is the daemon's.
public enum KeyFileIndex {
    /// One listed file.
    public struct Entry: Hashable, Sendable {
        public var url: URL
        /// COCOA: when the file was created, epoch milliseconds (files are taken in this order).
        public var created: Int64?
        public var region: String?
        /// index.txt: the line as written, to remember how far the index was read.
        public var line: String?

        public init(url: URL, created: Int64? = nil, region: String? = nil, line: String? = nil) {
            self.url = url
            self.created = created
            self.region = region
            self.line = line
        }
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notJSON(String)
        case badEntry(index: Int, reason: String)
        case badLine(number: Int, reason: String)
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .notJSON(let detail): "list.json is not a JSON array of {region, url, created}: \(detail)"
            case .badEntry(let index, let reason): "list.json entry \(index + 1): \(reason)"
            case .badLine(let number, let reason): "index.txt line \(number): \(reason)"
            case .tooLarge(let limit): "the index lists more than \(limit) files"
            }
        }
    }

    /// Indexes list at most this many files (a key server keeps 14 days).
    public static let maximumEntries = 100_000

    /// The earliest `created` accepted: 2020-01-01 00:00 UTC in epoch milliseconds (no exposure
    /// notification key file is older).
    public static let earliestCreated: Int64 = 1_577_836_800_000

    /// COCOA `list.json`: `[{"region": 440, "url": "https://…/1.zip", "created": 1596326400000}, …]`.
    /// `created` must be whole milliseconds between 2020 and a day after `now` (Unix seconds): a
    /// server's clock may run a little ahead, but a file "from the future" would hold the agent's
    /// position there, and no later file would ever be fetched.
    /// `region` may be a number or a string; `url` absolute or relative to the list itself.
    /// Entries come back oldest first (by `created`).
    /// The latest `created` accepted at `now` (Unix seconds): a day ahead, in epoch milliseconds.
    public static func latestCreated(now: Int64) -> Int64 {
        now.multipliedReportingOverflow(by: 1_000).partialValue &+ 86_400_000
    }

    public static func parseListJSON(_ data: Data, listURL: URL, now: Int64) throws(ParseError) -> [Entry] {
        let latest = latestCreated(now: now)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch { throw .notJSON(error.localizedDescription) }
        guard let array = object as? [Any] else { throw .notJSON("the top level is not an array") }
        guard array.count <= maximumEntries else { throw .tooLarge(limit: maximumEntries) }
        var entries: [Entry] = []
        for (index, item) in array.enumerated() {
            guard let fields = item as? [String: Any] else { throw .badEntry(index: index, reason: "not an object") }
            guard let text = fields["url"] as? String, let url = URL(string: text, relativeTo: listURL)?.absoluteURL,
                  ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw .badEntry(index: index, reason: "url is missing or not an http(s) URL")
            }
            let created: Int64?
            switch fields["created"] {
            case let number as NSNumber: created = Int64(exactly: number.doubleValue)
            case let string as String: created = Int64(string)
            default: created = nil
            }
            guard let created else { throw .badEntry(index: index, reason: "created is missing or not epoch milliseconds") }
            guard created >= earliestCreated, created <= latest else {
                throw .badEntry(index: index, reason: "created \(created) is not between 2020 and a day from now (epoch milliseconds)")
            }
            let region: String? = switch fields["region"] {
            case let number as NSNumber: number.stringValue
            case let string as String: string
            default: nil
            }
            entries.append(Entry(url: url, created: created, region: region))
        }
        return entries.sorted { ($0.created ?? 0, $0.url.absoluteString) < ($1.created ?? 0, $1.url.absoluteString) }
    }

    /// `index.txt`: one file path per line, oldest first. A path is resolved against the index's own
    /// directory; if it repeats that directory's name (the exposure-notifications-server writes
    /// bucket-relative names), against its parent.
    public static func parseIndexTXT(_ data: Data, indexURL: URL) throws(ParseError) -> [Entry] {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count <= maximumEntries else { throw .tooLarge(limit: maximumEntries) }
        let directory = indexURL.deletingLastPathComponent()
        var entries: [Entry] = []
        for (number, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
            let base = line.split(separator: "/").first.map(String.init) == directory.lastPathComponent
                ? directory.deletingLastPathComponent() : directory
            guard let url = URL(string: line, relativeTo: base)?.absoluteURL, ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw .badLine(number: number + 1, reason: "not a path or http(s) URL")
            }
            entries.append(Entry(url: url, line: line))
        }
        return entries
    }

    /// Writes a COCOA-layout `list.json` (region as a number where it is one, as COCOA did).
    public static func listJSON(_ entries: [Entry]) -> Data {
        let array: [[String: Any]] = entries.map { entry in
            var fields: [String: Any] = ["url": entry.url.absoluteString, "created": entry.created ?? 0]
            if let region = entry.region { fields["region"] = Int(region).map { $0 as Any } ?? region }
            return fields
        }
        return (try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys])) ?? Data("[]".utf8)
    }
}
