/// Who sent a signal. The bus applies a match rule's sender only to broadcasts: any local peer may
/// send a signal *addressed* to us, with any path, interface, member and arguments, and the bus
/// delivers it whatever our rules say. The one header a peer cannot forge is its sender, which the
/// bus stamps. So a subscription's sender is checked here for every signal: the bus itself and
/// unique names as they are; a well-known name (`org.bluez`) against its current owner, followed
/// from the bus's own NameOwnerChanged signals (accepted only from the bus) and GetNameOwner.
extension DBusEventLoop {
    static let busName = "org.freedesktop.DBus"

    static func isWellKnown(_ name: String) -> Bool { !name.hasPrefix(":") && name != busName }

    /// On the loop thread: whether a signal from `sender` may reach a subscription whose rule names
    /// `expected`. A well-known name whose owner is not known yet lets nothing through.
    func senderMatches(_ expected: String?, _ sender: String?) -> Bool {
        guard let expected else { return true }
        guard let sender else { return false }
        return Self.isWellKnown(expected) ? names.owners[expected] == sender : sender == expected
    }

    /// On the loop thread, before subscribers see the signal: the bus's NameOwnerChanged for a
    /// followed name updates its owner.
    func noteOwnerChange(_ message: DBusMessage) {
        guard message.sender == Self.busName, message.interface == Self.busName, message.member == "NameOwnerChanged",
              message.arguments.count == 3, let name = message.arguments[0].string, let owner = message.arguments[2].string,
              names.watched.contains(name) else { return }
        names.changes[name, default: 0] &+= 1
        names.owners[name] = owner.isEmpty ? nil : owner
    }

    /// Follows who owns `name`: the bus's NameOwnerChanged for it (once per name), then its owner
    /// now. An answer overtaken by a change the bus announced meanwhile is not applied.
    func watchOwner(of name: String) async throws(DBusError) {
        let (isNew, generation) = await onLoop { [self] in (names.watched.insert(name).inserted, names.changes[name, default: 0]) }
        if isNew {
            let rule = DBusMatchRule(sender: Self.busName, interface: Self.busName, member: "NameOwnerChanged", arg0: name)
            _ = try await call(DBusMethodCall(destination: Self.busName, path: "/org/freedesktop/DBus", interface: Self.busName,
                                              member: "AddMatch", arguments: [.string(rule.rule)]), timeout: .seconds(25))
        }
        let owner: String?
        do {
            owner = try await call(DBusMethodCall(destination: Self.busName, path: "/org/freedesktop/DBus", interface: Self.busName,
                                                  member: "GetNameOwner", arguments: [.string(name)]), timeout: .seconds(25)).first?.string
        } catch where error.name == "org.freedesktop.DBus.Error.NameHasNoOwner" {
            owner = nil
        }
        submit { [self] in
            if running && names.changes[name, default: 0] == generation { names.owners[name] = owner }
        }
    }

    /// Runs `body` on the loop thread and hands back what it returns.
    func onLoop<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in submit { continuation.resume(returning: body()) } }
    }
}
