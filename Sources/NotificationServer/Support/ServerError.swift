import Durability

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

extension ServerError {
    /// Runs a durable file write, its failure said as a storage error.
    static func durably(_ body: () throws(DurableFileError) -> Void) throws(ServerError) {
        do {
            try body()
        } catch {
            throw .storage(error.description)
        }
    }
}
