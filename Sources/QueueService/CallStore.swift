import Foundation
import GRDB
import Synchronization
public import Messages
public import QueueDispatch
public import ServiceKit

/// A queue worker's database: the calls it holds, each queue's progress, the calls that
/// ended recently, and the outbox — in SQLite (WAL mode) under `--data-dir`.
///
/// The worker writes each batch's changes *and the messages they produce* to the journal
/// (one entry, then one SQLite transaction) before publishing any of them. After a crash
/// the messages still in the outbox are published again at the start, so a route, an
/// overflow or a reservation decided before the crash is never lost; receivers see it at
/// least once.
public final class CallStore: Sendable {
    /// One message to publish.
    public struct Publication: Sendable, Equatable {
        public var topic: String
        public var payload: [UInt8]
        public var retain: Bool

        public init(topic: String, payload: [UInt8], retain: Bool = false) {
            self.topic = topic
            self.payload = payload
            self.retain = retain
        }
    }

    /// What a worker resumes from.
    public struct Contents: Sendable {
        public var calls: [QueuedCall] = []
        public var progress: [QueueID: QueueProgress] = [:]
        public var finished: [Dispatcher.FinishedCall] = []
        public var nextSequence = 1
        /// Messages stored and perhaps not published, oldest first.
        public var outbox: [Publication] = []
        /// The last outbox row; ``save(_:outbox:published:)`` deletes up to it once published.
        public var lastOutboxRow: Int64?
    }

    private let storage: ServiceDatabase
    private let database: DatabaseQueue
    private let journal: Journal
    /// The id the next outbox row gets (the store numbers them, so a batch's last row is
    /// known when it is journaled, before SQLite holds it).
    private let nextOutboxRow: Mutex<Int64>
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// The SQL of the journal's batches, by index (append only: a journal may hold them).
    private enum Statement: Int, CaseIterable {
        case clearOutbox, upsertCall, deleteCall, upsertProgress, deleteProgress, rememberFinished, nextSequence, addOutbox
        case forgetFinished

        var sql: String {
            switch self {
            case .clearOutbox: "DELETE FROM outbox WHERE id <= ?"
            case .upsertCall: "INSERT OR REPLACE INTO call (callId, body) VALUES (?, ?)"
            case .deleteCall: "DELETE FROM call WHERE callId = ?"
            case .upsertProgress: "INSERT OR REPLACE INTO progress (queueId, body) VALUES (?, ?)"
            case .deleteProgress: "DELETE FROM progress WHERE queueId = ?"
            case .rememberFinished: "INSERT OR REPLACE INTO finishedCall (callId, queueId, finishedAt) VALUES (?, ?, ?)"
            case .nextSequence: "INSERT OR REPLACE INTO meta (key, value) VALUES ('nextSequence', ?)"
            case .addOutbox: "INSERT INTO outbox (id, topic, payload, retain) VALUES (?, ?, ?, ?)"
            case .forgetFinished: "DELETE FROM finishedCall WHERE finishedAt < ?"
            }
        }
    }

    /// Opens (creating when needed) `queue.sqlite` in `directory`, and stores what its
    /// journal holds. Only one process may use it at a time: a second one fails to open it.
    public init(directory: String, durability: Durability = .processCrash) throws {
        storage = try ServiceDatabase(directory: directory, file: "queue.sqlite", durability: durability, migrator: Self.migrator)
        database = storage.queue
        journal = try Journal(database: storage, statements: Statement.allCases.map(\.sql))
        let lastOutboxRow = try database.read { db in
            max(
                try Int64.fetchOne(db, sql: "SELECT max(id) FROM outbox") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") ?? 0)
        }
        nextOutboxRow = Mutex(lastOutboxRow + 1)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE call (callId TEXT PRIMARY KEY NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE progress (queueId TEXT PRIMARY KEY NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE finishedCall (
                    callId TEXT PRIMARY KEY NOT NULL, queueId TEXT NOT NULL, finishedAt INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX finishedCallByTime ON finishedCall(finishedAt);
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL, retain INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }

    /// Everything stored.
    public func load() throws -> Contents {
        try database.read { db in
            var contents = Contents()
            for row in try Row.fetchAll(db, sql: "SELECT body FROM call") {
                contents.calls.append(try decoder.decode(QueuedCall.self, from: row["body"] as Data))
            }
            for row in try Row.fetchAll(db, sql: "SELECT queueId, body FROM progress") {
                contents.progress[try QueueID(row["queueId"] as String)] =
                    try decoder.decode(QueueProgress.self, from: row["body"] as Data)
            }
            for row in try Row.fetchAll(db, sql: "SELECT callId, queueId, finishedAt FROM finishedCall") {
                contents.finished.append(Dispatcher.FinishedCall(
                    callId: try CallID(row["callId"] as String), queueId: try QueueID(row["queueId"] as String),
                    at: Timestamp(millisecondsSinceEpoch: row["finishedAt"])))
            }
            contents.nextSequence = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'nextSequence'") ?? 1
            for row in try Row.fetchAll(db, sql: "SELECT id, topic, payload, retain FROM outbox ORDER BY id") {
                contents.outbox.append(Publication(topic: row["topic"], payload: Array(row["payload"] as Data), retain: row["retain"]))
                contents.lastOutboxRow = row["id"]
            }
            return contents
        }
    }

    /// Writes a batch's changes and its messages to the journal, with the deletion of the
    /// outbox rows up to `published` (the previous batch's, now handed to the broker): they
    /// survive the process when this returns, and SQLite holds them soon after (``Journal``).
    /// Returns the last outbox row written, or `published` when there was none.
    public func save(_ changes: Dispatcher.Changes, outbox: [Publication], published: Int64?) async throws -> Int64? {
        var batch = JournalBatch()
        if let published { batch.add(Statement.clearOutbox.rawValue, [published.databaseValue]) }
        for call in changes.calls {
            batch.add(Statement.upsertCall.rawValue, [call.callId.value.databaseValue, try encoder.encode(call).databaseValue])
        }
        for callId in changes.removedCalls { batch.add(Statement.deleteCall.rawValue, [callId.value.databaseValue]) }
        for (queueId, progress) in changes.progress {
            batch.add(Statement.upsertProgress.rawValue, [queueId.value.databaseValue, try encoder.encode(progress).databaseValue])
        }
        for queueId in changes.removedQueues { batch.add(Statement.deleteProgress.rawValue, [queueId.value.databaseValue]) }
        for call in changes.finished {
            batch.add(Statement.rememberFinished.rawValue, [
                call.callId.value.databaseValue, call.queueId.value.databaseValue, call.at.millisecondsSinceEpoch.databaseValue,
            ])
        }
        batch.add(Statement.nextSequence.rawValue, [changes.nextSequence.databaseValue])
        var last = published
        if !outbox.isEmpty {
            let first = nextOutboxRow.withLock { next in
                defer { next += Int64(outbox.count) }
                return next
            }
            for (offset, publication) in outbox.enumerated() {
                batch.add(Statement.addOutbox.rawValue, [
                    (first + Int64(offset)).databaseValue, publication.topic.databaseValue, Data(publication.payload).databaseValue,
                    publication.retain.databaseValue,
                ])
            }
            last = first + Int64(outbox.count) - 1
        }
        try await journal.commit(batch)
        return last
    }

    /// Deletes the outbox rows up to `published` (when the worker is idle, and at a clean stop).
    public func clearOutbox(through published: Int64) async throws {
        var batch = JournalBatch()
        batch.add(Statement.clearOutbox.rawValue, [published.databaseValue])
        try await journal.commit(batch)
    }

    /// Forgets the calls that ended before `cutoff`.
    public func forgetFinished(before cutoff: Timestamp) async throws {
        var batch = JournalBatch()
        batch.add(Statement.forgetFinished.rawValue, [cutoff.millisecondsSinceEpoch.databaseValue])
        try await journal.commit(batch)
    }

    /// Returns once SQLite holds every batch saved so far (the journal is stored at the next
    /// start anyway; a clean stop waits, so the database alone is complete).
    public func waitUntilStored() async throws {
        try await journal.waitUntilStored()
    }
}
