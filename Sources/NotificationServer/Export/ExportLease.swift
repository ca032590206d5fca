/// One export pass at a time across every instance sharing a database: a row in `export_lease`
/// names its holder and when the lease ends, by the database's own clock (PostgreSQL's
/// `clock_timestamp()`; SQLite, one machine, the system clock), so instances need not agree on the
/// time. A holder renews it before each file; one that stops (killed, frozen, cut off) loses it when
/// it runs out and the next instance to try takes over, finishing the exports it left begun. Every
/// change to the exports checks in its own transaction that its caller still holds the lease (a
/// fence): a holder that wakes up after losing it can no longer publish anything.
public enum ExportLease {
    public enum State: Sendable, Equatable {
        case acquired
        /// Another instance holds it, until this many milliseconds since 1970 (the database's clock).
        case heldBy(String, untilMillis: Int64)
    }

    /// The lease's row.
    static let name = "export"
}
