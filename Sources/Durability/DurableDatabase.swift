import GRDB

/// Opening an SQLite database (WAL, through GRDB) so that an acknowledged commit survives a power cut.
///
/// That needs `PRAGMA synchronous = FULL` on the connection that writes: in WAL mode, NORMAL syncs
/// the WAL only at checkpoints, so commits acknowledged since the last checkpoint are lost with the
/// kernel's page cache. Setting it in `Configuration.prepareDatabase` is not enough: GRDB 7's
/// `DatabasePool.init` runs `setUpWALMode()` on the writer *after* `prepareDatabase`, and that sets
/// `synchronous = NORMAL` (seen in GRDB 7.10.0; a real power-cut test lost every acknowledged batch).
/// So it is set once the pool exists, on the writer, and read back.
public enum DurableDatabase {
    /// SQLite's value of `PRAGMA synchronous` for FULL.
    public static let synchronousFull = 2

    public enum OpenError: Error, CustomStringConvertible {
        case notDurable(path: String, synchronous: Int?)

        public var description: String {
            switch self {
            case .notDurable(let path, let level):
                "\(path): the database would not run with synchronous = FULL (it reports \(level.map(String.init) ?? "nothing")): "
                    + "commits could be lost in a power cut, so it is not used"
            }
        }
    }

    /// A pool whose writer commits with `synchronous = FULL` (checked); read-only pools as asked.
    public static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: configuration)
        guard !configuration.readonly else { return pool }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let level = try writerSynchronousLevel(pool)
        guard level == synchronousFull else { throw OpenError.notDurable(path: path, synchronous: level) }
        return pool
    }

    /// `PRAGMA synchronous` as the writer connection runs it (2 = FULL, 1 = NORMAL, 0 = OFF).
    public static func writerSynchronousLevel(_ pool: DatabasePool) throws -> Int? {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }
}
