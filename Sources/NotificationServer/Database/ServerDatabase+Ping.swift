import GRDB
import PostgresNIO

extension SQLiteServerDatabase {
    public func ping() async throws(ServerError) {
        do {
            _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            throw .database("\(path): \(Self.describe(error))")
        }
    }
}

extension PostgresServerDatabase {
    public func ping() async throws(ServerError) {
        do {
            _ = try await client.query("SELECT 1", logger: logger).collect()
        } catch {
            // PSQLError's own description is generic on purpose; its server message or code says what happened.
            let detail = (error as? PSQLError).map { $0.serverInfo?[.message] ?? "\($0.code)" } ?? "\(error)"
            throw .database("\(description): \(detail)")
        }
    }
}
