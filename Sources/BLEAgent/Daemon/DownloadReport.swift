/// What one download round did: `DownloadNow`'s JSON answer, which `bleagent download` prints.
struct DownloadReport: Codable, Sendable {
    var files: Int
    var matchedKeys: Int
    var newContactDays: [String]
    var errors: [String]

    enum CodingKeys: String, CodingKey {
        case files, errors
        case matchedKeys = "matched_keys"
        case newContactDays = "new_contact_days"
    }
}
