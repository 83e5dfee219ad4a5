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
/// checkpoints; a second connection does it on a thread of its own, in passive mode (which
/// never blocks a writer), once about ``checkpointRows`` rows were written since the last
/// one (as often as SQLite's own 8,000-page checkpoint would), or after
/// ``checkpointInterval`` when anything was written at all.
public final class ServiceDatabase: Sendable {
    /// The service's connection: all its reads and writes.
    public let queue: DatabaseQueue
    private let checkpointer: DatabaseQueue
    private let lockDescriptor: Int32
    private let tally = WriteTally()
    /// The database file.
    public let path: String
    public let durability: Durability

    /// Rows written after which the log is checkpointed.
    public static let checkpointRows = 4_000
    /// The longest time rows stay only in the log.
    public static let checkpointInterval: Duration = .seconds(30)
    /// The size the write-ahead log is cut down to when it starts again after a checkpoint.
    public static let walSizeLimitBytes = 16 << 20

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
        // A lock just released can stay held for an instant: a child this process is starting
        // (fork, then exec) shares every open descriptor until its exec closes them. So a held
        // lock is tried again for up to a second before the directory is called in use.
        var attempts = 1
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, attempts < 20 else {
                close(descriptor)
                throw StartupError("'\(directory)' is in use by another process (its lock '\(lockPath)' is held)")
            }
            attempts += 1
            usleep(50_000)
        }
        lockDescriptor = descriptor
        path = directory + "/" + file
        self.durability = durability
        // The service's connection keeps its working set in memory (64 MiB holds far more
        // than 50k agents); neither connection checkpoints by itself. A second process on
        // the directory was refused above by the lock, with its own clear message.
        func configuration(cacheKibibytes: Int?) -> Configuration {
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.sqliteSynchronous)")
                if let cacheKibibytes { try db.execute(sql: "PRAGMA cache_size = -\(cacheKibibytes)") }
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                // When the whole log has been copied, the next write starts it again from its
                // beginning and cuts the file down to this (see `startLogAgainIfCopied`).
                try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimitBytes)")
            }
            return configuration
        }
        do {
            queue = try DatabaseQueue(path: directory + "/" + file, configuration: configuration(cacheKibibytes: 65_536))
            try migrator.migrate(queue)
            checkpointer = try DatabaseQueue(path: directory + "/" + file, configuration: configuration(cacheKibibytes: nil))
        } catch {
            close(descriptor)
            throw error
        }
        let thread = Thread { [checkpointer, tally] in
            var last = ContinuousClock.now
            while !tally.isStopping {
                Thread.sleep(forTimeInterval: 0.1)
                let rows = tally.rows
                guard rows >= Self.checkpointRows || (rows > 0 && ContinuousClock.now - last >= Self.checkpointInterval) else {
                    continue
                }
                tally.take(rows)
                last = .now
                // Passive: copies what it can without waiting for the writer, and syncs here.
                let result = try? checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
                if let result, result.walFrameCount > 0, result.checkpointedFrameCount == result.walFrameCount {
                    tally.noteLogCopied()
                }
            }
        }
        thread.name = "sqlite-checkpoint"
        thread.start()
    }

    /// A read-only connection of its own, for long reads (an HTTP query) that must not hold
    /// up the service's writes: in WAL mode it reads the last committed state while the
    /// service goes on writing.
    public func makeReader() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Counts `rows` written by a committed transaction, towards the next checkpoint.
    public func noteWritten(rows: Int) {
        tally.add(rows)
    }

    /// Call on the service's connection before a write, outside a transaction. Once the
    /// checkpoint thread has copied the whole log, a passive checkpoint here (with nothing
    /// left to copy, so quick) lets the next write start the log again from its beginning
    /// and cut the file down to ``walSizeLimitBytes``. Without it the writer kept appending
    /// after the checkpoint thread's copy, and the log kept its largest size (139 MB beside a
    /// 90 MB database, once).
    public func startLogAgainIfCopied(_ db: Database) {
        if tally.takeLogCopied() { _ = try? db.checkpoint(.passive) }
    }

    deinit {
        tally.stop()
        close(lockDescriptor)
    }
}

/// Rows written since the last checkpoint, whether that checkpoint copied the whole log, and
/// the stop flag of the checkpoint thread.
private final class WriteTally: @unchecked Sendable {
    private let lock = NSLock()
    private var written = 0
    private var stopped = false
    private var logCopied = false

    var rows: Int { lock.withLock { written } }
    var isStopping: Bool { lock.withLock { stopped } }
    func add(_ rows: Int) { lock.withLock { written += rows } }
    func take(_ rows: Int) { lock.withLock { written -= rows } }
    func stop() { lock.withLock { stopped = true } }
    func noteLogCopied() { lock.withLock { logCopied = true } }
    func takeLogCopied() -> Bool {
        lock.withLock {
            defer { logCopied = false }
            return logCopied
        }
    }
}
