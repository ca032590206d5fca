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

    public static let empty = DBusReply.values([])
}
