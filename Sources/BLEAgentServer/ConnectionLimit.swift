import HummingbirdCore

/// How many connections the server holds open at once; more wait in the listen queue until one
/// closes. (Its own file: HummingbirdCore's `ServerConfiguration` would shadow ours in ServerVerbs.)
enum ConnectionLimit {
    static func atMost(_ connections: Int) -> any AvailableConnectionsDelegate {
        MaximumAvailableConnections(connections)
    }
}
