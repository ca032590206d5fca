/// A failure of the notification server with a message an operator can act on.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    case configuration(String)
    case database(String)
    case storage(String)
    case signing(String)

    public var description: String {
        switch self {
        case .configuration(let detail): "configuration: \(detail)"
        case .database(let detail): "database: \(detail)"
        case .storage(let detail): "export storage: \(detail)"
        case .signing(let detail): "signing: \(detail)"
        }
    }
}
