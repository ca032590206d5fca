/// What one download round did: `DownloadNow`'s JSON answer, which `bleagent download` prints.
struct DownloadReport: Codable, Sendable {
    var files: Int
    var matchedKeys: Int
    var newContactDays: [String]
    var errors: [String]
}
