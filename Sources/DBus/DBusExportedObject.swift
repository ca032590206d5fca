/// An object this process serves on the bus (an advertisement, a monitor, an object manager).
///
/// `handle` runs on the connection's thread while libdbus dispatches: it must answer at once and
/// never wait for anything (bluetoothd calls us back in the middle of our own calls to it).
public protocol DBusExportedObject: AnyObject, Sendable {
    /// Answers a method call addressed to this object's path.
    func handle(_ call: DBusMessage) -> DBusReply
}

/// The answer to an incoming method call.
public enum DBusReply: Sendable {
    case values([DBusValue])
    case error(DBusError)
    /// Answer later: `start` receives the sink to send the reply through, from any thread, once
    /// (for work that must await, such as an actor's state). The caller waits meanwhile.
    case later(@Sendable (DBusReplySink) -> Void)

    public static let empty = DBusReply.values([])
}

/// Where a deferred reply goes. Sending twice sends once.
public protocol DBusReplySink: Sendable {
    func send(_ reply: DBusReply)
}
