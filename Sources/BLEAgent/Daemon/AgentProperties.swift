import DBus

/// The daemon's D-Bus properties on `org.bleagent.Agent1`, one snapshot: what `GetStatus` tells
/// root and the `bleagent` group, in typed form, so `busctl get-property` and applets read it and
/// follow `PropertiesChanged`. Counts and states only: no identifier, key, address or date of a
/// contact. Times are unix seconds (`x`), 0 for never.
struct AgentProperties: Sendable, Hashable {
    var version: String
    var termsVersion: String
    var consent: Bool
    var consentDecidedAt: Int64
    var clockSynchronised: Bool
    var advertising: Bool
    var scanning: Bool
    var sightingsToday: UInt32
    var lastDownload: Int64
    var nextDownload: Int64
    var contactDays: UInt32
    var storeError: String

    /// Each property: its description (name, type, signal) and how its value is read from a snapshot.
    static let table: [(property: DBusInterfaceDescription.Property, value: @Sendable (AgentProperties) -> DBusValue)] = [
        (.init("Version", "s", emitsChanged: .const), { .string($0.version) }),
        (.init("TermsVersion", "s", emitsChanged: .const), { .string($0.termsVersion) }),
        (.init("Consent", "b"), { .boolean($0.consent) }),
        (.init("ConsentDecidedAt", "x"), { .int64($0.consentDecidedAt) }),
        (.init("ClockSynchronised", "b"), { .boolean($0.clockSynchronised) }),
        (.init("Advertising", "b"), { .boolean($0.advertising) }),
        (.init("Scanning", "b"), { .boolean($0.scanning) }),
        (.init("SightingsToday", "u"), { .uint32($0.sightingsToday) }),
        (.init("LastDownload", "x"), { .int64($0.lastDownload) }),
        (.init("NextDownload", "x"), { .int64($0.nextDownload) }),
        (.init("ContactDays", "u"), { .uint32($0.contactDays) }),
        (.init("StoreError", "s"), { .string($0.storeError) }),
    ]

    static var descriptions: [DBusInterfaceDescription.Property] { table.map(\.property) }

    /// Every property's value, by name.
    var values: [String: DBusValue] {
        Dictionary(uniqueKeysWithValues: Self.table.map { ($0.property.name, $0.value(self)) })
    }
}

extension AgentProperties {
    /// Unix seconds as `x`: 0 for none; a time that is not a number (never the case) is 0 too.
    static func seconds(_ time: Double?) -> Int64 {
        guard let time, time.isFinite, time > 0, time < 1e15 else { return 0 }
        return Int64(time)
    }

    /// A count as `u`, clamped.
    static func count(_ value: Int) -> UInt32 { UInt32(clamping: value) }
}

/// When the daemon says its properties changed: a pure state machine that remembers what was
/// last published and returns what to announce. `SightingsToday` moves with every scan window, so it
/// is announced at most every `sightingsInterval` seconds; everything else at once.
struct PropertyPublisher: Sendable {
    let sightingsInterval: Double
    /// What subscribers last heard (nil: nothing yet; the first snapshot is the baseline).
    private(set) var published: AgentProperties?
    private var sightingsPublishedAt: Double?

    init(sightingsInterval: Double) { self.sightingsInterval = sightingsInterval }

    /// The properties to announce in `PropertiesChanged` now that they are `snapshot`, at `now`
    /// (seconds on any clock; a clock that went back lets the count through).
    mutating func changes(to snapshot: AgentProperties, at now: Double) -> [String: DBusValue] {
        guard let published else {
            self.published = snapshot
            sightingsPublishedAt = now
            return [:]
        }
        var next = snapshot
        let old = published.values
        var changed = snapshot.values.filter { old[$0.key] != $0.value }
        if changed["SightingsToday"] != nil {
            if let last = sightingsPublishedAt, now >= last, now - last < sightingsInterval {
                changed["SightingsToday"] = nil
                next.sightingsToday = published.sightingsToday   // still unannounced
            } else {
                sightingsPublishedAt = now
            }
        }
        self.published = next
        return changed
    }
}
