import Foundation

/// Polls `condition` every 50 ms until it holds or `seconds` pass; says whether it held.
/// The one poll-until of the Swift tests (a test that needs a bound asserts on the result).
@discardableResult
public func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}
