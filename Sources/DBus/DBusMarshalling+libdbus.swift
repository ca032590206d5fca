internal import CDBus

/// Encoding `DBusValue`s into libdbus messages and decoding them back. Back-end file.
enum DBusMarshalling {
    /// Appends `value` at `iter`; false if libdbus refused (out of memory, invalid signature or string).
    static func append(_ value: DBusValue, to iter: inout DBusMessageIter) -> Bool {
        func basic<T: BitwiseCopyable>(_ type: Int32, _ raw: T) -> Bool {
            var copy = raw
            return withUnsafePointer(to: &copy) { dbus_message_iter_append_basic(&iter, type, $0) } != 0
        }
        func text(_ type: Int32, _ string: String) -> Bool {
            string.withCString { pointer in
                var cString: UnsafePointer<CChar>? = pointer
                return dbus_message_iter_append_basic(&iter, type, &cString) != 0
            }
        }
        func container(_ type: Int32, _ signature: String?, _ body: (inout DBusMessageIter) -> Bool) -> Bool {
            var sub = DBusMessageIter()
            let opened: Bool
            if let signature {
                opened = signature.withCString { dbus_message_iter_open_container(&iter, type, $0, &sub) != 0 }
            } else {
                opened = dbus_message_iter_open_container(&iter, type, nil, &sub) != 0
            }
            guard opened else { return false }
            guard body(&sub) else {
                dbus_message_iter_abandon_container(&iter, &sub)
                return false
            }
            return dbus_message_iter_close_container(&iter, &sub) != 0
        }
        switch value {
        case .byte(let v): return basic(CDBUS_TYPE_BYTE, v)
        case .boolean(let v): return basic(CDBUS_TYPE_BOOLEAN, v ? CDBUS_TRUE : CDBUS_FALSE)
        case .int16(let v): return basic(CDBUS_TYPE_INT16, v)
        case .uint16(let v): return basic(CDBUS_TYPE_UINT16, v)
        case .int32(let v): return basic(CDBUS_TYPE_INT32, v)
        case .uint32(let v): return basic(CDBUS_TYPE_UINT32, v)
        case .int64(let v): return basic(CDBUS_TYPE_INT64, v)
        case .uint64(let v): return basic(CDBUS_TYPE_UINT64, v)
        case .double(let v): return basic(CDBUS_TYPE_DOUBLE, v)
        case .string(let v): return text(CDBUS_TYPE_STRING, v)
        case .objectPath(let v):
            guard isValidObjectPath(v) else { return false }
            return text(CDBUS_TYPE_OBJECT_PATH, v)
        case .signature(let v): return text(CDBUS_TYPE_SIGNATURE, v)
        case .array(let element, let items):
            return container(CDBUS_TYPE_ARRAY, element) { sub in items.allSatisfy { append($0, to: &sub) } }
        case .dictionary(let key, let valueSignature, let entries):
            return container(CDBUS_TYPE_ARRAY, "{" + key + valueSignature + "}") { sub in
                entries.allSatisfy { entry in
                    dictionaryEntry(into: &sub) { pair in append(entry.key, to: &pair) && append(entry.value, to: &pair) }
                }
            }
        case .structure(let fields):
            return container(CDBUS_TYPE_STRUCT, nil) { sub in fields.allSatisfy { append($0, to: &sub) } }
        case .variant(let inner):
            return container(CDBUS_TYPE_VARIANT, inner.signature) { sub in append(inner, to: &sub) }
        }
    }

    /// Opens a dict entry inside `iter`.
    private static func dictionaryEntry(into iter: inout DBusMessageIter, _ body: (inout DBusMessageIter) -> Bool) -> Bool {
        var sub = DBusMessageIter()
        guard dbus_message_iter_open_container(&iter, CDBUS_TYPE_DICT_ENTRY, nil, &sub) != 0 else { return false }
        guard body(&sub) else {
            dbus_message_iter_abandon_container(&iter, &sub)
            return false
        }
        return dbus_message_iter_close_container(&iter, &sub) != 0
    }

    /// Appends all `values` to a fresh message.
    static func append(_ values: [DBusValue], to message: OpaquePointer) -> Bool {
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        return values.allSatisfy { append($0, to: &iter) }
    }

    /// All arguments of `message`.
    static func arguments(of message: OpaquePointer) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
        var out: [DBusValue] = []
        repeat {
            guard let value = read(&iter) else { break }
            out.append(value)
        } while dbus_message_iter_next(&iter) != 0
        return out
    }

    /// The value at `iter`; nil at the end or for types we do not read (unix fds).
    static func read(_ iter: inout DBusMessageIter) -> DBusValue? {
        let type = dbus_message_iter_get_arg_type(&iter)
        func basic<T: BitwiseCopyable>(_ zero: T) -> T {
            var value = zero
            withUnsafeMutablePointer(to: &value) { dbus_message_iter_get_basic(&iter, $0) }
            return value
        }
        func text() -> String {
            var pointer: UnsafePointer<CChar>?
            dbus_message_iter_get_basic(&iter, &pointer)
            return pointer.map { String(cString: $0) } ?? ""
        }
        switch type {
        case CDBUS_TYPE_BYTE: return .byte(basic(UInt8(0)))
        case CDBUS_TYPE_BOOLEAN: return .boolean(basic(dbus_bool_t(0)) != 0)
        case CDBUS_TYPE_INT16: return .int16(basic(Int16(0)))
        case CDBUS_TYPE_UINT16: return .uint16(basic(UInt16(0)))
        case CDBUS_TYPE_INT32: return .int32(basic(Int32(0)))
        case CDBUS_TYPE_UINT32: return .uint32(basic(UInt32(0)))
        case CDBUS_TYPE_INT64: return .int64(basic(Int64(0)))
        case CDBUS_TYPE_UINT64: return .uint64(basic(UInt64(0)))
        case CDBUS_TYPE_DOUBLE: return .double(basic(Double(0)))
        case CDBUS_TYPE_STRING: return .string(text())
        case CDBUS_TYPE_OBJECT_PATH: return .objectPath(text())
        case CDBUS_TYPE_SIGNATURE: return .signature(text())
        case CDBUS_TYPE_VARIANT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            return read(&sub).map { .variant($0) }
        case CDBUS_TYPE_STRUCT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var fields: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != CDBUS_TYPE_INVALID, let field = read(&sub) {
                fields.append(field)
                dbus_message_iter_next(&sub)
            }
            return .structure(fields)
        case CDBUS_TYPE_ARRAY:
            let signature = ownedString(dbus_message_iter_get_signature(&iter))
            let element = String(signature.dropFirst())
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            if element.hasPrefix("{") {
                let inner = element.dropFirst().dropLast()
                let keySignature = String(inner.prefix(1))
                var entries: [DBusValue.DictionaryEntry] = []
                while dbus_message_iter_get_arg_type(&sub) == CDBUS_TYPE_DICT_ENTRY {
                    var pair = DBusMessageIter()
                    dbus_message_iter_recurse(&sub, &pair)
                    guard let key = read(&pair), dbus_message_iter_next(&pair) != 0, let value = read(&pair) else { break }
                    entries.append(.init(key, value))
                    dbus_message_iter_next(&sub)
                }
                return .dictionary(keySignature: keySignature, valueSignature: String(inner.dropFirst()), entries)
            }
            if element == "y" {
                var pointer: UnsafeMutableRawPointer?
                var count: Int32 = 0
                dbus_message_iter_get_fixed_array(&sub, &pointer, &count)
                guard let pointer, count > 0 else { return .bytes([]) }
                return .bytes(Array(UnsafeRawBufferPointer(start: pointer, count: Int(count))))
            }
            var items: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != CDBUS_TYPE_INVALID, let item = read(&sub) {
                items.append(item)
                dbus_message_iter_next(&sub)
            }
            return .array(elementSignature: element, items)
        default:
            return nil
        }
    }

    /// A string libdbus allocated, freed after copying.
    private static func ownedString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { dbus_free(pointer) }
        return String(cString: pointer)
    }

    /// libdbus aborts the process on an invalid object path; check first.
    static func isValidObjectPath(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        if path == "/" { return true }
        guard !path.hasSuffix("/"), !path.contains("//") else { return false }
        return path.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39)
                || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
    }
}
