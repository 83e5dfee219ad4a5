import Foundation
public import GRDB

/// Opens a service's SQLite database the way every service keeps its state: WAL mode,
/// the ``Durability`` asked for, and an exclusive lock held for the connection's life, so a
/// second process on the same `--data-dir` fails at once instead of writing beside the first.
public enum ServiceDatabase {
    /// Opens (creating when needed) `directory/file`, then runs `migrator`.
    public static func open(
        directory: String, file: String, durability: Durability, migrator: DatabaseMigrator
    ) throws -> DatabaseQueue {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .immediateError
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.sqliteSynchronous)")
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            // The working set stays in memory (64 MiB holds far more than 50k agents).
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Checkpoint (and sync) the log every 8,000 pages rather than 1,000: fewer pauses.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
        }
        let database = try DatabaseQueue(path: directory + "/" + file, configuration: configuration)
        try migrator.migrate(database)
        return database
    }
}
