import Durability

/// A failure of the notification server with a message an operator can act on.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    case configuration(String)
    case database(String)
    case storage(String)
    case signing(String)
    /// This instance no longer holds the export lease (it ran out while the instance was stalled,
    /// and another took over): what it was doing is left to the new holder.
    case leaseLost(String)
    /// What a read-only verb was asked to read does not exist (it creates nothing).
    case missing(String)

    public var description: String {
        switch self {
        case .configuration(let detail): "configuration: \(detail)"
        case .database(let detail): "database: \(detail)"
        case .storage(let detail): "export storage: \(detail)"
        case .signing(let detail): "signing: \(detail)"
        case .missing(let detail): detail
        case .leaseLost(let holder): "export: the export lease of \(holder) ran out and another instance took over; this pass stops"
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
