public import AgentState
import Foundation
import GRDB
public import Messages
public import ServiceKit
import Synchronization

/// The status service's database: every agent's record and the replies of applied commands,
/// in SQLite (WAL mode) under `--data-dir`.
///
/// The service writes each batch of changes in one transaction before it publishes any of
/// them, so what was published is on disk. With ``Durability/processCrash`` (the default)
/// SQLite does not sync the write-ahead log on commit: a killed process loses nothing, a
/// power loss may lose the last transactions (the database stays consistent). With
/// ``Durability/powerLoss`` every commit is synced (`synchronous = FULL`), once per batch.
public final class AgentStore: Sendable {
    /// A command reply kept so a repeated `commandId` is answered again, not applied twice.
    public struct AppliedCommand: Sendable {
        public var agentId: AgentID
        public var commandId: CommandID
        public var reply: [UInt8]
        public var at: Timestamp

        public init(agentId: AgentID, commandId: CommandID, reply: [UInt8], at: Timestamp) {
            self.agentId = agentId
            self.commandId = commandId
            self.reply = reply
            self.at = at
        }
    }

    private let storage: ServiceDatabase
    private let database: DatabaseQueue
    private let journal: Journal
    /// Reads repeated commands' replies without waiting for the journal's writer (WAL readers
    /// see the last commit and never wait for the writer).
    private let replyReader: DatabaseQueue
    private let commands = Mutex(CommandIndex())

    /// Where each applied command's reply is. The table is written in arrival order (its
    /// pages are appended, never split at random), with row ids the store assigns, and found
    /// by an in-memory index of hash(agent id, command id) → row id, rebuilt when the store
    /// opens. Replies the journal holds and SQLite not yet are kept here until it does.
    private struct CommandIndex {
        var rows: [Int: Int64] = [:]
        var nextRow: Int64 = 1
        var unstored: [CommandKey: [UInt8]] = [:]
    }

    private struct CommandKey: Hashable {
        var agentId: String
        var commandId: String
    }

    /// The SQL of the journal's batches, by index.
    private enum Statement: Int, CaseIterable {
        case upsertAgent, insertCommand

        var sql: String {
            switch self {
            case .upsertAgent: "INSERT OR REPLACE INTO agent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            case .insertCommand: "INSERT INTO appliedCommand (id, agentId, commandId, reply, appliedAt) VALUES (?, ?, ?, ?, ?)"
            }
        }
    }

    /// Opens (creating when needed) `status.sqlite` in `directory`, and stores what its
    /// journal holds. Only one process may use it at a time: a second one fails to open it.
    public init(directory: String, durability: Durability = .processCrash) throws {
        storage = try ServiceDatabase(directory: directory, file: "status.sqlite", durability: durability, migrator: Self.migrator)
        database = storage.queue
        journal = try Journal(database: storage, statements: Statement.allCases.map(\.sql))
        replyReader = try storage.makeReader()
        var index = CommandIndex()
        try database.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT id, agentId, commandId FROM appliedCommand")
            while let row = try rows.next() {
                let id: Int64 = row["id"]
                index.rows[Self.key(row["agentId"], row["commandId"])] = id
                index.nextRow = max(index.nextRow, id + 1)
            }
        }
        commands.withLock { $0 = index }
    }

    private static func key(_ agentId: String, _ commandId: String) -> Int {
        var hasher = Hasher()
        hasher.combine(agentId)
        hasher.combine(commandId)
        return hasher.finalize()
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE agent (
                    agentId TEXT PRIMARY KEY NOT NULL,
                    presence TEXT NOT NULL,
                    reason TEXT,
                    since INTEGER NOT NULL,
                    activity TEXT NOT NULL,
                    activitySince INTEGER NOT NULL,
                    activityUntil INTEGER,
                    callId TEXT,
                    direction TEXT,
                    queueId TEXT,
                    offerId TEXT,
                    wrapUpMs INTEGER,
                    maxNoAnswer INTEGER,
                    declineWithdraws INTEGER,
                    connected INTEGER NOT NULL,
                    clientId TEXT,
                    disconnectDeadline INTEGER,
                    missedOffers INTEGER NOT NULL,
                    version INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE appliedCommand (
                    agentId TEXT NOT NULL,
                    commandId TEXT NOT NULL,
                    reply BLOB NOT NULL,
                    appliedAt INTEGER NOT NULL,
                    PRIMARY KEY (agentId, commandId)
                ) WITHOUT ROWID;
                CREATE INDEX appliedCommandByTime ON appliedCommand(appliedAt);
                """)
        }
        migrator.registerMigration("v2: calls and requests already handled") { db in
            // Space-separated ids (an id never contains a space), newest last.
            try db.execute(sql: """
                ALTER TABLE agent ADD COLUMN endedCallIds TEXT NOT NULL DEFAULT '';
                ALTER TABLE agent ADD COLUMN grantedRequestIds TEXT NOT NULL DEFAULT '';
                """)
        }
        migrator.registerMigration("v3: applied commands in arrival order") { db in
            try db.execute(sql: """
                DROP TABLE appliedCommand;
                CREATE TABLE appliedCommand (
                    id INTEGER PRIMARY KEY,
                    agentId TEXT NOT NULL,
                    commandId TEXT NOT NULL,
                    reply BLOB NOT NULL,
                    appliedAt INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }

    /// Every stored agent.
    public func loadAgents() throws -> [AgentRecord] {
        try database.read { db in
            try Row.fetchCursor(db, sql: "SELECT * FROM agent").map { try AgentRecord(row: $0) }.reduce(into: []) {
                $0.append($1)
            }
        }
    }

    /// Writes `records` and `commands` to the journal (one `write()`), so they survive the
    /// process when this returns; SQLite is written behind it, in one transaction per group
    /// of batches (``Journal``).
    public func save(records: [AgentRecord], commands applied: [AppliedCommand]) async throws {
        var batch = JournalBatch()
        for record in records { batch.add(Statement.upsertAgent.rawValue, record.databaseValues) }
        let keys = commands.withLock { index in
            applied.map { command in
                let id = index.nextRow
                index.nextRow += 1
                batch.add(Statement.insertCommand.rawValue, [
                    id.databaseValue, command.agentId.value.databaseValue, command.commandId.value.databaseValue,
                    Data(command.reply).databaseValue, command.at.millisecondsSinceEpoch.databaseValue,
                ])
                let key = CommandKey(agentId: command.agentId.value, commandId: command.commandId.value)
                index.rows[Self.key(key.agentId, key.commandId)] = id
                index.unstored[key] = command.reply
                return key
            }
        }
        try await journal.commit(batch) { [self] in
            guard !keys.isEmpty else { return }
            commands.withLock { index in
                for key in keys { index.unstored[key] = nil }
            }
        }
    }

    /// Returns once SQLite holds every batch saved so far (the journal is replayed at the
    /// next start anyway; a clean stop waits, so the database alone is complete).
    public func waitUntilStored() async throws {
        try await journal.waitUntilStored()
    }

    /// The reply given to `commandId` for `agentId`, when that command was applied.
    public func reply(to commandId: CommandID, of agentId: AgentID) throws -> [UInt8]? {
        // Most commands are new: the in-memory index says so without reading the database.
        let (unstored, row) = commands.withLock { index in
            (index.unstored[CommandKey(agentId: agentId.value, commandId: commandId.value)],
             index.rows[Self.key(agentId.value, commandId.value)])
        }
        if let unstored { return unstored }
        guard let id = row else { return nil }
        return try replyReader.read { db in
            let statement = try db.cachedStatement(sql: "SELECT agentId, commandId, reply FROM appliedCommand WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id]),
                row["agentId"] == agentId.value, row["commandId"] == commandId.value
            else { return nil }  // a hash collision: not this command
            return Array(row["reply"] as Data)
        }
    }

    /// Forgets command replies applied before `cutoff`; returns how many. The rows are in
    /// arrival order, so this reads only the rows it deletes (and one more).
    @discardableResult
    public func forgetCommands(appliedBefore cutoff: Timestamp) async throws -> Int {
        // The rows to look at are SQLite's: first let it hold every command saved so far.
        try await journal.waitUntilStored()
        let (deleted, firstKept) = try await database.write { db -> (Int, Int64) in
            let firstKept = try Int64.fetchOne(
                db, sql: "SELECT id FROM appliedCommand WHERE appliedAt >= ? ORDER BY id LIMIT 1",
                arguments: [cutoff.millisecondsSinceEpoch]) ?? Int64.max
            try db.execute(sql: "DELETE FROM appliedCommand WHERE id < ?", arguments: [firstKept])
            return (db.changesCount, firstKept)
        }
        if deleted > 0 { commands.withLock { index in index.rows = index.rows.filter { $0.value >= firstKept } } }
        return deleted
    }
}

/// A stored value that is not what the service wrote.
struct CorruptRecord: Error, CustomStringConvertible {
    var description: String
}

extension AgentRecord {
    fileprivate var databaseValues: [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            agentId.value, presence.rawValue, reason?.value, since.millisecondsSinceEpoch,
            activity.rawValue, activitySince.millisecondsSinceEpoch, activityUntil?.millisecondsSinceEpoch,
            call?.callId.value, call?.direction.rawValue, call?.queueId?.value, call?.offerId?.value,
            call?.wrapUpMs, call?.maxNoAnswer, call?.declineWithdraws,
            connected, clientId?.value, disconnectDeadline?.millisecondsSinceEpoch, missedOffers, version,
            endedCallIds.map { $0.value }.joined(separator: " "), grantedRequestIds.map { $0.value }.joined(separator: " "),
        ]
        return values.map { $0?.databaseValue ?? .null }
    }

    fileprivate init(row: Row) throws {
        func value<T: RawRepresentable<String>>(_ type: T.Type, _ column: String) throws -> T {
            let text: String = row[column]
            guard let value = T(rawValue: text) else {
                throw CorruptRecord(description: "stored \(column) '\(text)' is not valid")
            }
            return value
        }
        func time(_ column: String) -> Timestamp? {
            (row[column] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:))
        }
        var call: Call?
        if let callId: String = row["callId"] {
            call = Call(
                callId: try CallID(callId), direction: try value(CallDirection.self, "direction"),
                queueId: try (row["queueId"] as String?).map { try QueueID($0) },
                offerId: try (row["offerId"] as String?).map { try OfferID($0) },
                wrapUpMs: row["wrapUpMs"] ?? 0, maxNoAnswer: row["maxNoAnswer"] ?? 1,
                declineWithdraws: row["declineWithdraws"] ?? false)
        }
        self.init(
            agentId: try AgentID(row["agentId"] as String),
            presence: try value(Presence.self, "presence"),
            reason: try (row["reason"] as String?).map { try ReasonID($0) },
            since: time("since") ?? Timestamp(millisecondsSinceEpoch: 0),
            activity: try value(Activity.self, "activity"),
            activitySince: time("activitySince") ?? Timestamp(millisecondsSinceEpoch: 0),
            activityUntil: time("activityUntil"),
            call: call,
            connected: row["connected"],
            clientId: try (row["clientId"] as String?).map { try ClientID($0) },
            disconnectDeadline: time("disconnectDeadline"),
            missedOffers: row["missedOffers"],
            endedCallIds: try (row["endedCallIds"] as String).split(separator: " ").map { try CallID(String($0)) },
            grantedRequestIds: try (row["grantedRequestIds"] as String).split(separator: " ").map { try RequestID(String($0)) },
            version: row["version"])
    }
}
