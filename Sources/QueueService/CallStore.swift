import Foundation
import GRDB
public import Messages
public import QueueDispatch
public import ServiceKit

/// A queue worker's database: the calls it holds, each queue's progress, the calls that
/// ended recently, and the outbox — in SQLite (WAL mode) under `--data-dir`.
///
/// The worker writes each batch's changes *and the messages they produce* in one
/// transaction before publishing any of them. After a crash the messages still in the outbox
/// are published again at the start, so a route, an overflow or a reservation decided
/// before the crash is never lost; receivers see it at least once.
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
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// Opens (creating when needed) `queue.sqlite` in `directory`. Only one process may use
    /// it at a time: a second one fails to open it.
    public init(directory: String, durability: Durability = .processCrash) throws {
        storage = try ServiceDatabase(directory: directory, file: "queue.sqlite", durability: durability, migrator: Self.migrator)
        database = storage.queue
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

    /// Writes a batch's changes and its messages in one transaction, and deletes the
    /// outbox rows up to `published` (the previous batch's, now handed to the broker).
    /// Returns the last outbox row written, or `published` when there was none.
    ///
    /// The write runs on the database's own thread; the caller's executor is free meanwhile.
    public func save(_ changes: Dispatcher.Changes, outbox: [Publication], published: Int64?) async throws -> Int64? {
        let calls = try changes.calls.map { ($0.callId.value, try encoder.encode($0)) }
        let progress = try changes.progress.map { ($0.key.value, try encoder.encode($0.value)) }
        defer {
            storage.noteWritten(
                rows: calls.count + changes.removedCalls.count + progress.count + changes.finished.count + outbox.count * 2)
        }
        return try await database.write { db in
            if let published { try db.execute(sql: "DELETE FROM outbox WHERE id <= ?", arguments: [published]) }
            let upsertCall = try db.cachedStatement(sql: "INSERT OR REPLACE INTO call (callId, body) VALUES (?, ?)")
            for (callId, body) in calls { try upsertCall.execute(arguments: [callId, body]) }
            let deleteCall = try db.cachedStatement(sql: "DELETE FROM call WHERE callId = ?")
            for callId in changes.removedCalls { try deleteCall.execute(arguments: [callId.value]) }
            let upsertProgress = try db.cachedStatement(sql: "INSERT OR REPLACE INTO progress (queueId, body) VALUES (?, ?)")
            for (queueId, body) in progress { try upsertProgress.execute(arguments: [queueId, body]) }
            for queueId in changes.removedQueues {
                try db.execute(sql: "DELETE FROM progress WHERE queueId = ?", arguments: [queueId.value])
            }
            let remember = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO finishedCall (callId, queueId, finishedAt) VALUES (?, ?, ?)")
            for call in changes.finished {
                try remember.execute(arguments: [call.callId.value, call.queueId.value, call.at.millisecondsSinceEpoch])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('nextSequence', ?)", arguments: [changes.nextSequence])
            let add = try db.cachedStatement(sql: "INSERT INTO outbox (topic, payload, retain) VALUES (?, ?, ?)")
            for publication in outbox {
                try add.execute(arguments: [publication.topic, Data(publication.payload), publication.retain])
            }
            return outbox.isEmpty ? published : db.lastInsertedRowID
        }
    }

    /// Deletes the outbox rows up to `published` (when the worker is idle, and at a clean stop).
    public func clearOutbox(through published: Int64) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM outbox WHERE id <= ?", arguments: [published]) }
    }

    /// Forgets the calls that ended before `cutoff`.
    public func forgetFinished(before cutoff: Timestamp) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM finishedCall WHERE finishedAt < ?", arguments: [cutoff.millisecondsSinceEpoch])
        }
    }
}
