import TOMLKit

/// Typed, path-aware access to one TOML table: errors name the key (`[radio] scan_window_seconds`)
/// and what was expected; unknown keys are refused (a typo must not silently fall back to a default).
public struct TableReader {
    public let table: TOMLTable
    public let section: String
    public let path: String

    /// Parses a whole file; a syntax error names its line.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> TableReader {
        do {
            return TableReader(table: try TOMLTable(string: text), section: "", path: path)
        } catch let error as TOMLParseError {
            throw ConfigurationError(path: path, location: "line \(error.source.begin.line)", problem: error.description)
        } catch {
            throw ConfigurationError(path: path, location: "file", problem: "\(error)")
        }
    }

    public func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(path: path, location: section.isEmpty ? key : "[\(section)] \(key)", problem: problem)
    }

    public func allow(_ keys: Set<String>) throws(ConfigurationError) {
        for key in table.keys where !keys.contains(key) {
            throw error(key, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    private func value(_ key: String) -> TOMLValueConvertible? { table[key] }

    public func table(_ key: String) throws(ConfigurationError) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard let inner = value.table else { throw error(key, "expected a table [\(key)]") }
        return TableReader(table: inner, section: section.isEmpty ? key : "\(section).\(key)", path: path)
    }

    public func tables(_ key: String) throws(ConfigurationError) -> [TableReader] {
        guard let value = value(key) else { return [] }
        guard let array = value.array else { throw error(key, "expected an array of tables [[\(section).\(key)]]") }
        var out: [TableReader] = []
        for index in 0..<array.count {
            guard let inner = array[index].table else { throw error(key, "entry \(index + 1) is not a table") }
            out.append(TableReader(table: inner, section: "\(section).\(key)[\(index + 1)]", path: path))
        }
        return out
    }

    public func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw error(key, "expected a string, got \(value.type)") }
        return string
    }

    /// A list of strings, each checked by `valid` (which names what it expects).
    public func strings(_ key: String, expected: String, valid: (String) -> Bool) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array, !array.isEmpty else { throw error(key, "expected a non-empty list of \(expected)") }
        var out: [String] = []
        for index in 0..<array.count {
            guard let text = array[index].string, valid(text) else { throw error(key, "entry \(index + 1) is not \(expected)") }
            out.append(text)
        }
        return out
    }

    public func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { throw error(key, "expected true or false, got \(value.type)") }
        return bool
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else { throw error(key, "expected an integer, got \(value.type)") }
        guard range.contains(int) else { throw error(key, "expected \(range.lowerBound)…\(range.upperBound), got \(int)") }
        return int
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else { throw error(key, "expected a number, got \(value.type)") }
        guard range.contains(number) else { throw error(key, "expected \(range.lowerBound)…\(range.upperBound), got \(number)") }
        return number
    }
}
