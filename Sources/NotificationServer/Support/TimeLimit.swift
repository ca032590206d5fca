/// Runs `body` for at most `limit`: its value, or nil when time ran out first (`body` is then
/// cancelled and awaited: nothing outlives the call).
func withinTimeLimit<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> Value) async -> Value? {
    await withTaskGroup(of: Value?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
