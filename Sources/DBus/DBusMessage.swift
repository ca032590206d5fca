/// A D-Bus message as the client sees it: header fields and decoded arguments. (The libdbus
/// message itself never leaves the connection's back-end.)
public struct DBusMessage: Sendable {
    public enum Kind: Sendable, Hashable { case methodCall, methodReturn, error, signal }

    public var kind: Kind
    public var path: String?
    public var interface: String?
    public var member: String?
    public var sender: String?
    public var destination: String?
    public var errorName: String?
    public var serial: UInt32
    public var arguments: [DBusValue]

    public init(kind: Kind, path: String? = nil, interface: String? = nil, member: String? = nil, sender: String? = nil,
                destination: String? = nil, errorName: String? = nil, serial: UInt32 = 0, arguments: [DBusValue] = []) {
        self.kind = kind
        self.path = path
        self.interface = interface
        self.member = member
        self.sender = sender
        self.destination = destination
        self.errorName = errorName
        self.serial = serial
        self.arguments = arguments
    }
}

/// A method call to send.
public struct DBusMethodCall: Sendable {
    public var destination: String
    public var path: String
    public var interface: String
    public var member: String
    public var arguments: [DBusValue]

    public init(destination: String, path: String, interface: String, member: String, arguments: [DBusValue] = []) {
        self.destination = destination
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments
    }
}

/// A signal subscription: which signals a `signals(matching:)` stream receives.
public struct DBusMatchRule: Hashable, Sendable {
    public var sender: String?
    public var interface: String?
    public var member: String?
    public var path: String?
    /// Matches signals from objects under this path (`path_namespace`).
    public var pathNamespace: String?
    /// `arg0='…'`: e.g. the name in NameOwnerChanged.
    public var arg0: String?

    public init(sender: String? = nil, interface: String? = nil, member: String? = nil, path: String? = nil,
                pathNamespace: String? = nil, arg0: String? = nil) {
        self.sender = sender
        self.interface = interface
        self.member = member
        self.path = path
        self.pathNamespace = pathNamespace
        self.arg0 = arg0
    }

    /// The rule string the bus daemon understands.
    public var rule: String {
        var parts = ["type='signal'"]
        if let sender { parts.append("sender='\(sender)'") }
        if let interface { parts.append("interface='\(interface)'") }
        if let member { parts.append("member='\(member)'") }
        if let path { parts.append("path='\(path)'") }
        if let pathNamespace { parts.append("path_namespace='\(pathNamespace)'") }
        if let arg0 { parts.append("arg0='\(arg0)'") }
        return parts.joined(separator: ",")
    }

    /// Whether `message` is a signal this rule selects, sender aside: the event loop checks the
    /// sender (`DBusEventLoop.senderMatches`), since a well-known name needs its current owner.
    func matches(_ message: DBusMessage) -> Bool {
        guard message.kind == .signal else { return false }
        if let interface, message.interface != interface { return false }
        if let member, message.member != member { return false }
        if let path, message.path != path { return false }
        if let pathNamespace, let messagePath = message.path,
           !(messagePath == pathNamespace || messagePath.hasPrefix(pathNamespace == "/" ? "/" : pathNamespace + "/")) { return false }
        if let arg0, message.arguments.first?.string != arg0 { return false }
        return true
    }
}
