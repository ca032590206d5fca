import Foundation

/// Which URLs bleagent fetches from or sends to. Key files are signed, but an index, a
/// registration and the processing number in it are not: over plain http anyone on the path can
/// read the number, stall the downloads or feed an index of their choosing. So: https only, except
///
/// - the loopback interface (127.0.0.0/8, ::1, `localhost`), which no one on the network can
///   see into — the rule the W3C's Secure Contexts uses for "potentially trustworthy" origins,
///   and what local trials and the demo use;
/// - where the configuration says `allow_insecure_http = true` (a trial on a private network).
///
/// Redirects are followed by hand (at most `maximumRedirects`) and every hop is held to the same rule.
struct TransportSecurity: Sendable, Hashable {
    var allowInsecureHTTP = false

    static let maximumRedirects = 5

    /// Why `url` may not be used, or nil if it may; `table` is where `allow_insecure_http` would go.
    func refusal(_ url: URL, table: String) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "\(url.absoluteString) is not an http(s) URL"
        }
        switch scheme {
        case "https": return nil
        case "http" where allowInsecureHTTP || Self.isLoopback(host): return nil
        case "http": return "\(url.absoluteString) is plain http: off this machine only https is used (allow_insecure_http = true in [\(table)] allows http, for a trial)"
        default: return "\(url.absoluteString): only https (and http to this machine) is used, not \(scheme)"
        }
    }

    /// Whether `host` (as a URL gives it: an IPv6 literal may keep its brackets) names the loopback interface.
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil && !$0.isEmpty }) else { return false }
        return parts[0] == "127"
    }
}
