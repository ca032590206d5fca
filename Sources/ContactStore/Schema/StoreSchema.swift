import GRDB

/// The store's tables. Migrations are append-only: a shipped migration is never changed.
///
/// What is in the clear: epoch numbers and chunk sizes (each hour's records are sealed under that
/// hour's key, so expiry can destroy the key), per-day counts (so `store stats` works without the
/// key), and digests of processed key files (public files). Everything recorded —
/// RPIs, AEMs, RSSI, times, own keys, contact days, consent and registration — is sealed. Judged
/// days and exposure windows have a padded row for every day kept, so their rows say nothing.
enum StoreSchema {
    /// `keyFileMark`: the hour-key file's sequence, the durability mark an existing database starts
    /// from when it gains the mark (0 for a new database; see `ContactStore+DurabilityMark`).
    static func migrator(keyFileMark: Int64) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sighting_chunk (
                    id INTEGER PRIMARY KEY,
                    epoch INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    sealed BLOB NOT NULL);
                CREATE INDEX sighting_chunk_by_epoch ON sighting_chunk(epoch);
                CREATE TABLE epoch_stats (
                    epoch INTEGER PRIMARY KEY,
                    sightings INTEGER NOT NULL DEFAULT 0,
                    new_rpis INTEGER NOT NULL DEFAULT 0,
                    dropped INTEGER NOT NULL DEFAULT 0,
                    first_time INTEGER NOT NULL,
                    last_time INTEGER NOT NULL);
                CREATE TABLE own_key (
                    day INTEGER PRIMARY KEY,
                    epoch INTEGER NOT NULL,
                    sealed BLOB NOT NULL);
                CREATE TABLE contact_day (
                    day INTEGER PRIMARY KEY,
                    epoch INTEGER NOT NULL,
                    sealed BLOB NOT NULL);
                CREATE TABLE processed_file (
                    digest BLOB PRIMARY KEY,
                    processed_at INTEGER NOT NULL);
                CREATE TABLE agent_state (
                    name TEXT PRIMARY KEY,
                    sealed BLOB NOT NULL);
                """)
        }
        migrator.registerMigration("v2-exposure-windows") { db in
            try db.execute(sql: """
                CREATE TABLE exposure_window (
                    id INTEGER PRIMARY KEY,
                    day INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    sealed BLOB NOT NULL);
                CREATE INDEX exposure_window_by_epoch ON exposure_window(epoch);
                """)
        }
        // One sealed, padded row per day kept, for every day (matched or not): which days had
        // matches must not show in the clear. Windows stored before this are dropped (they came
        // from key files still on the key servers; judged days, with their notices, stay).
        migrator.registerMigration("v3-exposure-days") { db in
            try db.execute(sql: """
                DROP TABLE exposure_window;
                CREATE TABLE exposure_day (
                    day INTEGER PRIMARY KEY,
                    epoch INTEGER NOT NULL,
                    sealed BLOB NOT NULL);
                """)
        }
        // The durability mark, and the loss found at an open (kept 14 days for `status` and `store check`).
        migrator.registerMigration("v4-durability-mark") { db in
            try db.execute(sql: """
                CREATE TABLE store_mark (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    key_file_sequence INTEGER NOT NULL,
                    regressed_at INTEGER,
                    regressed_key_file_sequence INTEGER,
                    regressed_database_mark INTEGER);
                """)
            try db.execute(sql: "INSERT INTO store_mark (id, key_file_sequence) VALUES (1, ?)", arguments: [keyFileMark])
        }
        // What `store stats` reads without the key, coarsened to the day: per-hour counts and the
        // first and last sighting time of each hour said when the owner met people. The hour rows
        // are summed into day rows and dropped (secure_delete zeroes the freed pages).
        migrator.registerMigration("v5-day-stats") { db in
            try db.execute(sql: """
                CREATE TABLE day_stats (
                    day INTEGER PRIMARY KEY,
                    sightings INTEGER NOT NULL DEFAULT 0,
                    new_rpis INTEGER NOT NULL DEFAULT 0,
                    dropped INTEGER NOT NULL DEFAULT 0);
                INSERT INTO day_stats (day, sightings, new_rpis, dropped)
                    SELECT epoch / 24, SUM(sightings), SUM(new_rpis), SUM(dropped) FROM epoch_stats GROUP BY epoch / 24;
                DROP TABLE epoch_stats;
                """)
        }
        return migrator
    }
}
