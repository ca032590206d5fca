import Foundation

/// Where a PostgreSQL server is and who logs in, read from `[database] url` as libpq reads a URI:
///   postgres://user[:password]@host[:port]/database            TCP
///   postgres://user@/database?host=/run/postgresql[&port=5432]   a Unix socket in that folder
///   postgres://user@%2Frun%2Fpostgresql/database                 the same, the folder in the host part
/// The socket is the folder's `.s.PGSQL.PORT`, as libpq names it.
public struct PostgresEndpoint: Sendable, Equatable {
    public enum Location: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file's path.
        case unixSocket(String)
    }

    public var location: Location
    public var username: String
    /// A password written in the URL (better: `[database] password_file`).
    public var password: String?
    public var database: String?

    public init(url: String) throws(ServerError) {
        let form = "postgres://user@host:port/database, or postgres://user@/database?host=/run/postgresql for a Unix socket"
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw .configuration("\"\(Self.redacted(url))\" is not a PostgreSQL URL (\(form))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .configuration("\"\(Self.redacted(url))\" names no user (\(form))")
        }
        var host = (components.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var port = components.port ?? 5432
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host": host = item.value ?? ""
            case "port":
                guard let value = item.value.flatMap(Int.init), (1...65_535).contains(value) else {
                    throw .configuration("port=\(item.value ?? "") is not a port number")
                }
                port = value
            default:
                throw .configuration("parameter \"\(item.name)\" is not supported (host and port are; TLS is [database] tls)")
            }
        }
        guard !host.isEmpty else { throw .configuration("\"\(Self.redacted(url))\" names no host or socket folder (\(form))") }
        location = host.hasPrefix("/") ? .unixSocket("\(host.hasSuffix("/") ? String(host.dropLast()) : host)/.s.PGSQL.\(port)")
                                       : .tcp(host: host, port: port)
        username = user
        password = components.password
        let name = String(components.path.drop(while: { $0 == "/" }))
        database = name.isEmpty ? nil : name
    }

    /// "HOST:PORT" or the socket's path, for messages.
    public var place: String {
        switch location {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let path): path
        }
    }

    /// The URL with its password (if any) replaced by "***": what logs and `config check` show.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url.contains("@") ? "postgres://…" : url }
        guard components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://…"
    }
}
