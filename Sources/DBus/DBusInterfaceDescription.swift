/// One D-Bus interface an exported object serves: its methods (with the errors each may answer),
/// signals and properties. The one source of truth for the object's introspection XML, the file
/// installed in /usr/share/dbus-1/interfaces, and the check of incoming arguments.
public struct DBusInterfaceDescription: Sendable, Hashable {
    public struct Argument: Sendable, Hashable {
        public var name: String
        public var type: String

        public init(_ name: String, _ type: String) {
            self.name = name
            self.type = type
        }
    }

    public struct Method: Sendable, Hashable {
        public var name: String
        public var inputs: [Argument]
        public var outputs: [Argument]
        /// The error names it may answer besides the bus's own (AccessDenied, …): for the documentation.
        public var errors: [String]

        public init(_ name: String, inputs: [Argument] = [], outputs: [Argument] = [], errors: [String] = []) {
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.errors = errors
        }

        /// The signature incoming calls must carry.
        public var inputSignature: String { inputs.map(\.type).joined() }
    }

    public struct Signal: Sendable, Hashable {
        public var name: String
        public var arguments: [Argument]

        public init(_ name: String, _ arguments: [Argument] = []) {
            self.name = name
            self.arguments = arguments
        }
    }

    public struct Property: Sendable, Hashable {
        /// `org.freedesktop.DBus.Property.EmitsChangedSignal`.
        public enum EmitsChanged: String, Sendable, Hashable {
            /// PropertiesChanged carries the new value.
            case `true`
            /// PropertiesChanged names it without its value.
            case invalidates
            /// It never changes while the object exists.
            case const
            /// No signal: ask for it.
            case `false`
        }

        public var name: String
        public var type: String
        public var writable: Bool
        public var emitsChanged: EmitsChanged

        public init(_ name: String, _ type: String, writable: Bool = false, emitsChanged: EmitsChanged = .true) {
            self.name = name
            self.type = type
            self.writable = writable
            self.emitsChanged = emitsChanged
        }
    }

    public var name: String
    public var methods: [Method]
    public var signals: [Signal]
    public var properties: [Property]

    public init(name: String, methods: [Method] = [], signals: [Signal] = [], properties: [Property] = []) {
        self.name = name
        self.methods = methods
        self.signals = signals
        self.properties = properties
    }

    public func method(named name: String) -> Method? { methods.first { $0.name == name } }
    public func property(named name: String) -> Property? { properties.first { $0.name == name } }

    /// Whether `call` names one of the methods with the arguments it takes: nil if so, else the error
    /// to answer (`UnknownMethod`, or `InvalidArgs` saying what the method takes).
    public func validate(_ call: DBusMessage) -> DBusError? {
        guard let member = call.member, let method = method(named: member) else {
            return DBusError(name: DBusError.unknownMethodName, message: "\(name).\(call.member ?? "") does not exist")
        }
        let received = call.arguments.map(\.signature).joined()
        guard received == method.inputSignature else {
            let takes = method.inputs.isEmpty ? "no arguments" : "(" + method.inputs.map { "\($0.type) \($0.name)" }.joined(separator: ", ") + ")"
            return DBusError(name: DBusError.invalidArgsName, message: "\(method.name) takes \(takes), not (\(received))")
        }
        return nil
    }

    // MARK: - Introspection

    /// The `<interface>` element, one member a line.
    public var xml: String {
        func arguments(_ list: [Argument], direction: String?) -> String {
            list.map { "<arg name=\"\($0.name)\" type=\"\($0.type)\"" + (direction.map { " direction=\"\($0)\"" } ?? "") + "/>" }.joined()
        }
        var lines = ["  <interface name=\"\(name)\">"]
        for method in methods {
            let body = arguments(method.inputs, direction: "in") + arguments(method.outputs, direction: "out")
            lines.append(body.isEmpty ? "    <method name=\"\(method.name)\"/>" : "    <method name=\"\(method.name)\">\(body)</method>")
        }
        for signal in signals {
            let body = arguments(signal.arguments, direction: nil)
            lines.append(body.isEmpty ? "    <signal name=\"\(signal.name)\"/>" : "    <signal name=\"\(signal.name)\">\(body)</signal>")
        }
        for property in properties {
            lines.append("    <property name=\"\(property.name)\" type=\"\(property.type)\" access=\"\(property.writable ? "readwrite" : "read")\">"
                + "<annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"\(property.emitsChanged.rawValue)\"/></property>")
        }
        lines.append("  </interface>")
        return lines.joined(separator: "\n")
    }

    static let doctype = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
        + " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">"

    /// A `<node>` document holding `interfaces`: what `Introspect` answers (with the standard
    /// interfaces the object serves), or the file for /usr/share/dbus-1/interfaces (without them).
    public static func document(_ interfaces: [DBusInterfaceDescription]) -> String {
        ([doctype, "<node>"] + interfaces.map(\.xml) + ["</node>", ""]).joined(separator: "\n")
    }

    /// org.freedesktop.DBus.Introspectable, as every exported object serves it.
    public static let introspectable = DBusInterfaceDescription(
        name: "org.freedesktop.DBus.Introspectable",
        methods: [Method("Introspect", outputs: [Argument("xml_data", "s")])])

    /// org.freedesktop.DBus.Properties (see `DBusProperties`).
    public static let propertiesInterface = DBusInterfaceDescription(
        name: DBusProperties.interface,
        methods: [
            Method("Get", inputs: [Argument("interface_name", "s"), Argument("property_name", "s")], outputs: [Argument("value", "v")]),
            Method("GetAll", inputs: [Argument("interface_name", "s")], outputs: [Argument("properties", "a{sv}")]),
            Method("Set", inputs: [Argument("interface_name", "s"), Argument("property_name", "s"), Argument("value", "v")]),
        ],
        signals: [Signal("PropertiesChanged", [Argument("interface_name", "s"), Argument("changed_properties", "a{sv}"),
                                               Argument("invalidated_properties", "as")])])
}
