import Foundation
public import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A service's SQLite database, opened the way every service keeps its state: WAL mode,
/// the ``Durability`` asked for, one process per data directory, and the write-ahead log
/// copied into the database by a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that fills the log, and syncs the
/// database file there: a commit every few seconds would wait tens of milliseconds for it,
/// and with it the messages of that batch. Here the service's connection never
/// checkpoints; a second connection does it every ``checkpointInterval`` in passive mode,
/// which never blocks a writer.
public final class ServiceDatabase: Sendable {
    /// The service's connection: all its reads and writes.
    public let queue: DatabaseQueue
    private let checkpointer: DatabaseQueue
    private let lockDescriptor: Int32
    private let stopping = ManagedFlag()

    /// How often the log is copied into the database.
    public static let checkpointInterval: Duration = .seconds(1)

    /// Opens (creating when needed) `directory/file`, runs `migrator`, and starts the
    /// checkpoints. Throws ``StartupError`` when another process holds the directory.
    public init(directory: String, file: String, durability: Durability, migrator: DatabaseMigrator) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // One process per data directory: a lock held for the process's life (the kernel
        // drops it when the process dies, however it dies).
        let lockPath = directory + "/" + file + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StartupError("cannot open '\(lockPath)': \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StartupError("'\(directory)' is in use by another process (its lock '\(lockPath)' is held)")
        }
        lockDescriptor = descriptor
        do {
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.sqliteSynchronous)")
                // The working set stays in memory (64 MiB holds far more than 50k agents).
                try db.execute(sql: "PRAGMA cache_size = -65536")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            }
            queue = try DatabaseQueue(path: directory + "/" + file, configuration: configuration)
            try migrator.migrate(queue)
            var checkpointing = Configuration()
            checkpointing.journalMode = .wal
            checkpointing.busyMode = .timeout(5)
            checkpointing.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.sqliteSynchronous)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            }
            checkpointer = try DatabaseQueue(path: directory + "/" + file, configuration: checkpointing)
        } catch {
            close(descriptor)
            throw error
        }
        let thread = Thread { [checkpointer, stopping] in
            while !stopping.isSet {
                Thread.sleep(forTimeInterval: Double(Self.checkpointInterval.components.seconds))
                guard !stopping.isSet else { break }
                // Passive: copies what it can without waiting for the writer, and syncs here.
                _ = try? checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
        }
        thread.name = "sqlite-checkpoint"
        thread.start()
    }

    deinit {
        stopping.set()
        close(lockDescriptor)
    }
}

/// A flag set once, read from any thread.
private final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
