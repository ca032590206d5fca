import ExposureNotification
import Foundation

/// One-line descriptions of JSON decoding errors, naming where the problem is.
enum JSONErrors {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(SnakeCaseJSON.key(key.stringValue))" }.joined()
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        case .keyNotFound(let key, let context): return "missing \"\(SnakeCaseJSON.key(key.stringValue))\"\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context): return "expected \(type), found null\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
