/// What "close contact" means for the ground truth: within a distance for long enough (cumulative
/// over the trial). The two lines the replays score against.
public struct CloseContactRule: Hashable, Sendable, Codable {
    /// How tables and JSON name it: `6ft-15min`, `1m-15min`.
    public var id: String
    public var maximumMetres: Double
    public var minimumSeconds: Int

    public init(id: String, maximumMetres: Double, minimumSeconds: Int) {
        self.id = id
        self.maximumMetres = maximumMetres
        self.minimumSeconds = minimumSeconds
    }

    /// The trials' own line (MITLL-UA, CDC): within 6 ft (1.8288 m) for 15 minutes or more.
    public static let sixFeet = CloseContactRule(id: "6ft-15min", maximumMetres: 6 * feet, minimumSeconds: 900)
    /// COCOA's (and the Japanese health ministry's) definition: within 1 m for 15 minutes or more.
    public static let oneMetre = CloseContactRule(id: "1m-15min", maximumMetres: 1, minimumSeconds: 900)

    public static let all: [CloseContactRule] = [.sixFeet, .oneMetre]

    /// Metres in a foot.
    public static let feet = 0.3048

    /// Whether a contact whose time within this rule's distance was `secondsWithin` is close.
    public func isClose(secondsWithin: Int) -> Bool { secondsWithin >= minimumSeconds }
}
