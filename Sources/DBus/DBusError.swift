/// A failed D-Bus operation, with the error name the peer sent where there is one
/// (`org.bluez.Error.Failed`, `org.freedesktop.DBus.Error.NoReply`, …).
public struct DBusError: Error, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { message.isEmpty ? name : "\(name): \(message)" }

    /// The connection is gone (the bus daemon went away, or the connection was closed).
    public static func disconnected(_ detail: String = "the D-Bus connection is closed") -> DBusError {
        DBusError(name: "org.freedesktop.DBus.Error.Disconnected", message: detail)
    }

    public static func cancelled() -> DBusError {
        DBusError(name: "bleagent.Error.Cancelled", message: "the call was cancelled")
    }

    public static let noReplyName = "org.freedesktop.DBus.Error.NoReply"
    public static let serviceUnknownName = "org.freedesktop.DBus.Error.ServiceUnknown"
    public static let unknownObjectName = "org.freedesktop.DBus.Error.UnknownObject"
    public static let unknownMethodName = "org.freedesktop.DBus.Error.UnknownMethod"
    public static let invalidArgsName = "org.freedesktop.DBus.Error.InvalidArgs"
}
