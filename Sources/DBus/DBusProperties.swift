/// `org.freedesktop.DBus.Properties` for an exported object, the BlueZ way: `Get`, `GetAll` and
/// `Set` on the properties an interface description lists, and `PropertiesChanged` when they change.
/// The object reads its values; this checks the calls and shapes the answers.
public enum DBusProperties {
    public static let interface = "org.freedesktop.DBus.Properties"
    public static let propertyReadOnlyName = "org.freedesktop.DBus.Error.PropertyReadOnly"
    public static let unknownPropertyName = "org.freedesktop.DBus.Error.UnknownProperty"
    public static let unknownInterfaceName = "org.freedesktop.DBus.Error.UnknownInterface"

    /// What a call on org.freedesktop.DBus.Properties asks of one interface.
    public enum Request: Sendable, Hashable {
        case get(DBusInterfaceDescription.Property)
        case getAll
        case set(DBusInterfaceDescription.Property, DBusValue)
    }

    /// The request `call` makes of `served`, or the error to answer: a wrong signature, another
    /// interface, a property it does not have, a value of the wrong type, or a read-only property
    /// to `Set`. `GetAll("")` means every interface: `served` here.
    public static func request(_ call: DBusMessage, served: DBusInterfaceDescription) -> Result<Request, DBusError> {
        if let error = DBusInterfaceDescription.propertiesInterface.validate(call) { return .failure(error) }
        let interface = call.arguments.first?.string ?? ""
        guard interface == served.name || (interface.isEmpty && call.member == "GetAll") else {
            return .failure(DBusError(name: unknownInterfaceName, message: "this object has no properties on interface \"\(interface)\""))
        }
        if call.member == "GetAll" { return .success(.getAll) }
        let name = call.arguments.count > 1 ? call.arguments[1].string ?? "" : ""
        guard let property = served.property(named: name) else {
            return .failure(DBusError(name: unknownPropertyName, message: "\(served.name) has no property \"\(name)\""))
        }
        guard call.member == "Set" else { return .success(.get(property)) }
        guard property.writable else {
            return .failure(DBusError(name: propertyReadOnlyName, message: "\(served.name).\(name) is read-only"))
        }
        let value = call.arguments.count > 2 ? call.arguments[2].unwrapped : .string("")
        guard value.signature == property.type else {
            return .failure(DBusError(name: DBusError.invalidArgsName, message: "\(name) is of type \(property.type), not \(value.signature)"))
        }
        return .success(.set(property, value))
    }

    /// The answer to a `Get` or `GetAll` from the object's current values (by property name).
    /// A `Set` is the object's to answer. A listed property without a value is an internal fault.
    public static func reply(to request: Request, values: [String: DBusValue]) -> DBusReply {
        switch request {
        case .get(let property):
            guard let value = values[property.name] else {
                return .error(DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "\(property.name) has no value"))
            }
            return .values([.variant(value)])
        case .getAll:
            return .values([.properties(values)])
        case .set:
            return .error(DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "Set is answered by the object"))
        }
    }
}

extension DBusConnection {
    /// Emits `PropertiesChanged(interface, changed, invalidated)` from the object at `path`.
    public func emitPropertiesChanged(path: String, interface: String, changed: [String: DBusValue],
                                      invalidated: [String] = []) throws(DBusError) {
        try emitSignal(path: path, interface: DBusProperties.interface, member: "PropertiesChanged",
                       arguments: [.string(interface), .properties(changed), .strings(invalidated)])
    }
}
