import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Hummingbird's request context plus the peer's address (the throttle's client key).
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Whom the throttle counts: the client's IPv4 address, or the /64 of its IPv6 address (one
    /// subscriber's allocation, in which an attacker may pick any address), or "unknown".
    public var clientKey: String { remoteAddress?.ipAddress.map(Self.clientKey(address:)) ?? "unknown" }

    static func clientKey(address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        // An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is that IPv4 client.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":") + "::/64"
    }
}
