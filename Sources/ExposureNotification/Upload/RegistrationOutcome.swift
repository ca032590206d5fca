/// What the server answers a registration, as the agent reads it. Each failure names what the
/// person can do next.
public enum RegistrationOutcome: Sendable, Equatable {
    /// Keys stored (or already stored by the same request earlier: a retry gets the same answer).
    case registered(accepted: Int, dropped: Int)
    case unknownNumber
    case expiredNumber
    case usedNumber

    public var code: String {
        switch self {
        case .registered: "registered"
        case .unknownNumber: "processing_number_unknown"
        case .expiredNumber: "processing_number_expired"
        case .usedNumber: "processing_number_used"
        }
    }

    public var message: String {
        switch self {
        case .registered(let accepted, let dropped):
            "registered: \(accepted) key(s) accepted" + (dropped > 0 ? ", \(dropped) dropped by validation" : "")
        case .unknownNumber:
            "this processing number is not known: check the 8 digits the health centre gave you"
        case .expiredNumber:
            "this processing number has expired (numbers are valid for one hour): ask the health centre to reissue one"
        case .usedNumber:
            "this processing number has already been used for a registration; each number registers once"
        }
    }
}
