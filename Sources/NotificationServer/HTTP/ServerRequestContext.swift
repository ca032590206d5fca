import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer's address (the throttle's client key).
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address (without the port), or "unknown".
    public var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
