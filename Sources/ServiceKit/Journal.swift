import Foundation
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A write-ahead journal in front of a ``ServiceDatabase``: what a service must have on
/// disk before it publishes costs one `write()` on the caller's thread, and SQLite is
/// written behind it.
///
/// ``commit(_:whenStored:)`` appends the batch to the journal file (`FILE.redo` beside the
/// database) and returns; with ``Durability/powerLoss`` it also syncs the file. A thread of
/// the journal's own (`journal-writer`, giving way to other threads, see
/// ``lowerPriority(canTakeBack:)``) then runs the statements of every batch waiting, in
/// order, in one transaction that also records the last batch's sequence number. Before
/// each transaction it lets the batches of the next few milliseconds (`gather`) join, so that
/// a steady trickle of commits costs one transaction per interval, not one each — unless
/// someone waits for SQLite, too much waits already, or the file is due to be emptied. When
/// SQLite holds every entry and the file has grown past `emptyAtBytes` (4 MiB), the next
/// commit empties it; at four times that, a commit waits for SQLite so that the next one can.
///
/// At open, the entries SQLite does not hold yet (the process died first) are written into
/// it, in one transaction, before the store reads anything; a torn last entry (a power loss
/// during its write, before its commit returned) is dropped: it was never published. Entries
/// written by a binary whose SQL differs are refused (the service does not start), and
/// entries after a gap (a power loss took SQLite's last, unsynced commits) are left out.
///
/// Entry layout: the body's length (UInt32), its FNV-1a 64-bit checksum (UInt64), then the
/// body: the sequence number (UInt64), the checksum of the store's SQL statements (UInt64)
/// and the ``JournalBatch``. Integers are little-endian.
public final class Journal: Sendable {
    /// Statements waiting for SQLite after which ``commit(_:whenStored:)`` waits for it
    /// (about 1 KiB of memory each).
    public static let maximumWaitingStatements = 16_384
    /// Statements waiting after which a `SCHED_IDLE` writer runs at normal priority until it
    /// has caught up (see ``lowerPriority(canTakeBack:)``).
    static let boostAtStatements = maximumWaitingStatements / 4
    /// How long the writer, woken by a commit, lets later batches join the same transaction.
    private let gather: Duration
    /// Whether this process may give a thread normal priority back after `SCHED_IDLE`.
    private let writerCanLeaveIdle = Journal.canLeaveIdlePolicy()

    private let database: ServiceDatabase
    private let statements: [String]
    /// Written in every entry: a binary whose SQL differs does not replay another's entries.
    private let statementsHash: UInt64
    private let descriptor: Int32
    private let syncEveryCommit: Bool
    private let shared: Shared
    private let wake = DispatchSemaphore(value: 0)
    /// Ends the writer's gathering early, when storing becomes urgent (``State/isUrgent``).
    private let hurry = DispatchSemaphore(value: 0)
    /// Batches the journal held and SQLite did not, stored at open.
    public let recoveredBatches: Int
    /// Batches the journal held and left out at open, after a gap (see ``init(database:statements:emptyAtBytes:gather:)``).
    public let skippedBatches: Int

    private struct Waiting: Sendable {
        var sequence: UInt64
        var batch: JournalBatch
        var whenStored: (@Sendable () -> Void)?
    }

    private struct State {
        /// Once SQLite holds every entry, a file larger than this is emptied.
        let emptyAtBytes: Int
        var size: Int
        var lastSequence: UInt64
        var storedSequence: UInt64
        var waiting: [Waiting] = []
        var waitingStatements = 0
        /// The writer thread waits for `wake`; a commit signals it.
        var writerIdle = true
        /// The writer thread's kernel id, and whether it runs at normal priority for now.
        var writerThread: pid_t?
        var writerBoosted = false
        var failure: JournalError?
        var storedWaiters: [(sequence: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []

        /// Whether the writer should store at once rather than gather: someone waits for
        /// SQLite, too much waits to be stored, or the file is due to be emptied (which a
        /// commit does only once SQLite holds every entry: under a steady load a gathering
        /// writer would never have caught up at that moment).
        var isUrgent: Bool {
            waitingStatements >= Journal.boostAtStatements || !storedWaiters.isEmpty || size >= emptyAtBytes
        }
    }

    /// Opens (creating when needed) the journal of `database`, and writes into the database
    /// the entries it does not hold yet. `statements` is the store's list of SQL statements
    /// that batches refer to by index; it may grow at the end, never change order.
    public init(database: ServiceDatabase, statements: [String], emptyAtBytes: Int = 4 << 20, gather: Duration = .milliseconds(10)) throws {
        self.database = database
        self.gather = gather
        self.statements = statements
        statementsHash = Self.checksum(Array(statements.joined(separator: "\u{0}").utf8)[...])
        syncEveryCommit = database.durability == .powerLoss
        let path = database.path + ".redo"
        descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StartupError("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        do {
            let stored = try database.queue.write { db -> UInt64 in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS journalMark (
                        id INTEGER PRIMARY KEY CHECK (id = 0), sequence INTEGER NOT NULL);
                    INSERT OR IGNORE INTO journalMark VALUES (0, 0);
                    """)
                return UInt64(try Int64.fetchOne(db, sql: "SELECT sequence FROM journalMark") ?? 0)
            }
            let entries = try Self.readEntries(descriptor, path: path)
            let unstored = entries.filter { $0.sequence > stored }
            let expectedHash = statementsHash
            guard unstored.allSatisfy({ $0.statementsHash == expectedHash }) else {
                throw StartupError(
                    "'\(path)' holds changes written by a version of the service whose SQL differs: start that version "
                        + "on this data directory once, so that it stores them, then this one")
            }
            if let first = unstored.first, let last = unstored.last, first.sequence == stored + 1 {
                try database.queue.write { db in
                    try Self.store(unstored.map(\.batch), through: last.sequence, statements: statements, db)
                }
                recoveredBatches = unstored.count
            } else {
                // A gap after SQLite's last batch: a power loss took SQLite's last commits (not
                // synced with process-crash durability) but not the later entries. Their changes
                // are not applied on top of missing ones: SQLite's state is the consistent one.
                recoveredBatches = 0
            }
            skippedBatches = unstored.count - recoveredBatches
            // SQLite holds everything now: the file starts again empty.
            guard ftruncate(descriptor, 0) == 0 else { throw JournalError("cannot empty", path: path) }
            let last = max(stored, entries.last?.sequence ?? 0)
            shared = Shared(State(emptyAtBytes: emptyAtBytes, size: 0, lastSequence: last, storedSequence: last))
        } catch {
            close(descriptor)
            throw error
        }
        let gatherNanoseconds = Int(gather / .nanoseconds(1))
        let thread = Thread { [weak self, wake, hurry, writerCanLeaveIdle, shared] in
            Self.lowerPriority(canTakeBack: writerCanLeaveIdle)
            let threadID = Self.currentThreadID()
            shared.state.withLock { $0.writerThread = threadID }
            // The journal is held only while storing, never while waiting, so that it can go;
            // what was stored is made known (to `waitUntilStored`) once it is let go, so that
            // one who then drops it finds it gone (and its data directory free again). The
            // thread starts idle: it touches the journal only when a commit wakes it.
            var idle = true
            while true {
                if idle { wake.wait() }
                if !shared.isUrgent { _ = hurry.wait(timeout: .now() + .nanoseconds(gatherNanoseconds)) }
                guard let stored = self.map({ $0.storeWaiting() }) else { return }
                idle = shared.finish(stored)
            }
        }
        thread.name = "journal-writer"
        thread.start()
    }

    deinit {
        // The writer thread holds no reference while it waits: store what is left here.
        _ = shared.finish(storeWaiting())
        wake.signal()
        hurry.signal()
        close(descriptor)
    }

    /// Appends `batch` to the journal, so it survives the process from now on, and hands it
    /// to the writer thread. `whenStored` runs on that thread once SQLite holds it.
    ///
    /// Suspends only when ``maximumWaitingStatements`` wait for SQLite already, or the file
    /// is four times the size at which it is emptied. Throws ``JournalError`` when the file
    /// cannot be written (the journal stops: a torn entry is cut off) or an earlier batch could
    /// not be stored: the service must stop (what the journal holds is stored at the next
    /// start).
    public func commit(_ batch: JournalBatch, whenStored: (@Sendable () -> Void)? = nil) async throws {
        guard !batch.isEmpty else {
            whenStored?()
            return
        }
        let (sequence, wakeWriter, hurryWriter, mustWait) = try shared.state.withLock { state throws(JournalError) in
            if let failure = state.failure { throw failure }
            let wasUrgent = state.isUrgent
            if state.size >= state.emptyAtBytes, state.storedSequence == state.lastSequence {
                guard ftruncate(descriptor, 0) == 0 else { throw JournalError("cannot empty", path: database.path + ".redo") }
                state.size = 0
            }
            let sequence = state.lastSequence + 1
            let entry = Self.entry(sequence, statementsHash, batch)
            do throws(JournalError) {
                try append(entry)
            } catch {
                // Nothing after a torn entry could be read back: the journal stops here.
                _ = ftruncate(descriptor, off_t(state.size))
                state.failure = error
                throw error
            }
            state.size += entry.count
            state.lastSequence = sequence
            state.waiting.append(Waiting(sequence: sequence, batch: batch, whenStored: whenStored))
            state.waitingStatements += batch.statements.count
            defer { state.writerIdle = false }
            // Waits when too much waits for SQLite, or when the file could not be emptied for
            // long (the writer never caught up at a commit): then the next commit empties it.
            let mustWait = state.waitingStatements >= Self.maximumWaitingStatements || state.size >= 4 * state.emptyAtBytes
            if state.waitingStatements >= Self.boostAtStatements || mustWait { boostWriter(&state) }
            // Told when this commit makes storing urgent, so that a writer gathering stops (a
            // signal the writer finds later only shortens a later gathering).
            return (sequence, state.writerIdle, mustWait || (!wasUrgent && state.isUrgent), mustWait)
        }
        if wakeWriter { wake.signal() }
        if hurryWriter { hurry.signal() }
        if mustWait { try await waitUntilStored(through: sequence) }
    }

    /// Returns once SQLite holds every batch committed so far (the writer runs at normal
    /// priority meanwhile, when it may).
    public func waitUntilStored() async throws {
        let (sequence, hurryWriter) = shared.state.withLock { state in
            let behind = state.storedSequence < state.lastSequence
            if behind { boostWriter(&state) }
            return (state.lastSequence, behind)
        }
        if hurryWriter { hurry.signal() }
        try await waitUntilStored(through: sequence)
    }

    private func waitUntilStored(through sequence: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = shared.state.withLock { state -> Result<Void, JournalError>? in
                if let failure = state.failure { return .failure(failure) }
                if state.storedSequence >= sequence { return .success(()) }
                state.storedWaiters.append((sequence, continuation))
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    // MARK: Behind: SQLite

    /// The writer thread gives way to the threads that carry messages: a thread of normal
    /// priority that wakes takes its core at once, so storing does not delay the messages on
    /// their way, and a batch that waits is stored with the next ones, in one transaction.
    ///
    /// When the process may take normal priority back (`RLIMIT_NICE` allows nice 0 — the
    /// systemd units set `LimitNICE=+0` — or it has `CAP_SYS_NICE`), the writer is
    /// `SCHED_IDLE` and runs at normal priority while ``boostAtStatements`` wait or someone
    /// waits for it. Otherwise it is nice 19 for good: a thread cannot leave `SCHED_IDLE`
    /// without that right, and nice 19 keeps a share of a busy core (when
    /// ``maximumWaitingStatements`` wait, the service waits for it and frees its own).
    private static func lowerPriority(canTakeBack: Bool) {
        if canTakeBack {
            setPolicy(of: 0, idle: true)
        } else {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        }
    }

    /// Puts a thread (a kernel thread id, 0 for the calling one) in `SCHED_IDLE` or back in
    /// `SCHED_OTHER`; whether that worked.
    @discardableResult
    private static func setPolicy(of thread: pid_t, idle: Bool) -> Bool {
        var parameters = sched_param()
        parameters.sched_priority = 0
        let schedIdle: Int32 = 5  // SCHED_IDLE, which Glibc's Swift overlay does not import
        return sched_setscheduler(thread, idle ? schedIdle : Int32(SCHED_OTHER), &parameters) == 0
    }

    /// Runs the writer at normal priority until it is idle again (under the state's lock, so
    /// that this and ``Shared/finish(_:)`` never cross).
    private func boostWriter(_ state: inout State) {
        guard writerCanLeaveIdle, !state.writerBoosted, let writer = state.writerThread else { return }
        state.writerBoosted = Self.setPolicy(of: writer, idle: false)
    }

    /// Whether `RLIMIT_NICE` allows nice 0, or the process has `CAP_SYS_NICE`.
    private static func canLeaveIdlePolicy() -> Bool {
        var limit = rlimit()
        let rlimitNice: UInt32 = 13  // RLIMIT_NICE, which Glibc's Swift overlay does not import
        if getrlimit(__rlimit_resource_t(rlimitNice), &limit) == 0, limit.rlim_cur >= 20 { return true }
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let effective = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        let sysNice: UInt64 = 1 << 23  // CAP_SYS_NICE
        return effective & sysNice != 0
    }

    /// The calling thread's kernel id, from `/proc/thread-self` (`PID/task/TID`); Glibc's
    /// `gettid()` is not imported into Swift.
    private static func currentThreadID() -> pid_t? {
        var target = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &target, target.count - 1)
        guard count > 0 else { return nil }
        let text = String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: "/").last.flatMap { pid_t($0) }
    }

    /// Stores every batch waiting, in one transaction; ``Shared/finish(_:)`` makes it known.
    private func storeWaiting() -> Stored {
        let taken = shared.state.withLock { state in
            defer {
                state.waiting = []
                state.waitingStatements = 0
            }
            return state.failure == nil ? state.waiting : []
        }
        guard let last = taken.last else { return Stored(through: nil, outcome: .success(())) }
        do {
            try database.queue.writeWithoutTransaction { db in
                database.startLogAgainIfCopied(db)
                try db.inTransaction {
                    try Self.store(taken.map(\.batch), through: last.sequence, statements: statements, db)
                    return .commit
                }
            }
            database.noteWritten(rows: taken.reduce(0) { $0 + $1.batch.statements.count })
            for batch in taken { batch.whenStored?() }
            return Stored(through: last.sequence, outcome: .success(()))
        } catch {
            return Stored(through: last.sequence, outcome: .failure(JournalError("cannot store batches in \(database.path): \(error)")))
        }
    }

    /// What one turn of the writer stored (through which sequence number), and how it went.
    private struct Stored {
        var through: UInt64?
        var outcome: Result<Void, JournalError>
    }

    /// The journal's state, shared with its writer thread, which must not hold the journal
    /// itself while it waits or tells.
    private final class Shared: Sendable {
        let state: Mutex<State>

        init(_ state: State) {
            self.state = Mutex(state)
        }

        /// ``State/isUrgent``, read under the lock by the writer before it gathers.
        var isUrgent: Bool { state.withLock { $0.isUrgent } }

        /// Makes `stored` known: the stored sequence (or the failure), and those waiting for
        /// it. Returns whether the writer may wait: nothing waits to be stored (or storing
        /// failed); a commit after this wakes it. A writer that was boosted goes back to
        /// `SCHED_IDLE`.
        func finish(_ stored: Stored) -> Bool {
            let (idle, told) = state.withLock { state in
                var told: [CheckedContinuation<Void, any Error>] = []
                if let through = stored.through {
                    switch stored.outcome {
                    case .success: state.storedSequence = through
                    case .failure(let failure): state.failure = failure
                    }
                    let due = { (waiter: (sequence: UInt64, continuation: CheckedContinuation<Void, any Error>)) in
                        stored.outcome.isFailure || waiter.sequence <= through
                    }
                    told = state.storedWaiters.filter(due).map(\.continuation)
                    state.storedWaiters.removeAll(where: due)
                }
                state.writerIdle = state.waiting.isEmpty || state.failure != nil
                if state.writerIdle, state.writerBoosted {
                    Journal.setPolicy(of: 0, idle: true)
                    state.writerBoosted = false
                }
                return (state.writerIdle, told)
            }
            for waiter in told { waiter.resume(with: stored.outcome.mapError { $0 as any Error }) }
            return idle
        }
    }

    private static func store(_ batches: [JournalBatch], through sequence: UInt64, statements: [String], _ db: Database) throws {
        for batch in batches {
            for statement in batch.statements {
                guard statement.index < statements.count else {
                    throw JournalError("a journal entry names statement \(statement.index), and the store has \(statements.count)")
                }
                try db.cachedStatement(sql: statements[statement.index]).execute(arguments: StatementArguments(statement.arguments))
            }
        }
        try db.execute(sql: "UPDATE journalMark SET sequence = ?", arguments: [Int64(sequence)])
    }

    // MARK: The file

    private static func entry(_ sequence: UInt64, _ statementsHash: UInt64, _ batch: JournalBatch) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(512)
        body.appendInteger(sequence)
        body.appendInteger(statementsHash)
        batch.write(to: &body)
        var entry: [UInt8] = []
        entry.reserveCapacity(body.count + 12)
        entry.appendInteger(UInt32(body.count))
        entry.appendInteger(checksum(body[...]))
        entry += body
        return entry
    }

    /// Writes `entry` at the end of the file (and syncs it, for power-loss durability).
    private func append(_ entry: [UInt8]) throws(JournalError) {
        var written = 0
        while written < entry.count {
            let result = entry.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, entry.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw JournalError("cannot write", path: database.path + ".redo")
            }
            written += result
        }
        if syncEveryCommit, fdatasync(descriptor) != 0 {
            throw JournalError("cannot sync", path: database.path + ".redo")
        }
    }

    /// The whole entries of the file, in order; stops at the first that is cut short or
    /// does not match its checksum.
    private static func readEntries(_ descriptor: Int32, path: String) throws -> [(sequence: UInt64, statementsHash: UInt64, batch: JournalBatch)] {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(contents.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw JournalError("cannot read", path: path)
            }
            if count == 0 { break }
            contents += chunk[0..<count]
        }
        var entries: [(sequence: UInt64, statementsHash: UInt64, batch: JournalBatch)] = []
        var reader = ByteReader(contents[...])
        while let length = reader.integer(UInt32.self), let sum = reader.integer(UInt64.self),
            let body = reader.bytes(Int(length)), checksum(body) == sum
        {
            var bodyReader = ByteReader(body)
            guard let sequence = bodyReader.integer(UInt64.self), let statementsHash = bodyReader.integer(UInt64.self),
                let batch = JournalBatch(reading: &bodyReader), bodyReader.isAtEnd
            else { break }
            entries.append((sequence, statementsHash, batch))
        }
        return entries
    }

    /// FNV-1a, 64 bits: enough to tell a whole entry from a torn one.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

/// The journal cannot be written, read or stored: the service stops.
public struct JournalError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }

    init(_ what: String, path: String) {
        self.description = "\(what) the journal '\(path)': \(String(cString: strerror(errno)))"
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { true } else { false }
    }
}
