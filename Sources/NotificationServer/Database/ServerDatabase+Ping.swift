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
            throw .database("\(description): \(String(describing: error))")
        }
    }
}
