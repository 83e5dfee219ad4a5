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
    /// Where each applied command's row is: the table is written in arrival order (its pages
    /// are appended, never split at random), and found by this in-memory index of
    /// hash(agent id, command id) → row id, rebuilt from the table when the store opens.
    private let commandRows = Mutex<[Int: Int64]>([:])

    /// Opens (creating when needed) `status.sqlite` in `directory`. Only one process may use
    /// it at a time: a second one fails to open it.
    public init(directory: String, durability: Durability = .processCrash) throws {
        storage = try ServiceDatabase(directory: directory, file: "status.sqlite", durability: durability, migrator: Self.migrator)
        database = storage.queue
        let rows = try database.read { db in
            try Row.fetchCursor(db, sql: "SELECT id, agentId, commandId FROM appliedCommand").map { row in
                (Self.key(row["agentId"], row["commandId"]), row["id"] as Int64)
            }.reduce(into: [Int: Int64]()) { $0[$1.0] = $1.1 }
        }
        commandRows.withLock { $0 = rows }
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

    /// Writes `records` and `commands` in one transaction.
    ///
    /// The write runs on the database's own thread; the caller's executor (the MQTT network
    /// thread, for the service) is free meanwhile to read and write the socket.
    public func save(records: [AgentRecord], commands: [AppliedCommand]) async throws {
        guard !records.isEmpty || !commands.isEmpty else { return }
        defer { storage.noteWritten(rows: records.count + commands.count) }
        try await database.write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO agent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in records {
                try upsert.execute(arguments: record.databaseArguments)
            }
            let remember = try db.cachedStatement(
                sql: "INSERT INTO appliedCommand (agentId, commandId, reply, appliedAt) VALUES (?, ?, ?, ?)")
            var added: [(Int, Int64)] = []
            for command in commands {
                try remember.execute(arguments: [
                    command.agentId.value, command.commandId.value, Data(command.reply), command.at.millisecondsSinceEpoch,
                ])
                added.append((Self.key(command.agentId.value, command.commandId.value), db.lastInsertedRowID))
            }
            // Indexed once the rows are written; a rolled-back transaction throws before this.
            commandRows.withLock { rows in
                for (key, id) in added { rows[key] = id }
            }
        }
    }

    /// The reply given to `commandId` for `agentId`, when that command was applied.
    public func reply(to commandId: CommandID, of agentId: AgentID) throws -> [UInt8]? {
        // Most commands are new: the in-memory index says so without reading the database.
        guard let id = commandRows.withLock({ $0[Self.key(agentId.value, commandId.value)] }) else { return nil }
        return try database.inDatabase { db in
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
    public func forgetCommands(appliedBefore cutoff: Timestamp) throws -> Int {
        let (deleted, firstKept) = try database.write { db -> (Int, Int64) in
            let firstKept = try Int64.fetchOne(
                db, sql: "SELECT id FROM appliedCommand WHERE appliedAt >= ? ORDER BY id LIMIT 1",
                arguments: [cutoff.millisecondsSinceEpoch]) ?? Int64.max
            try db.execute(sql: "DELETE FROM appliedCommand WHERE id < ?", arguments: [firstKept])
            return (db.changesCount, firstKept)
        }
        if deleted > 0 { commandRows.withLock { rows in rows = rows.filter { $0.value >= firstKept } } }
        return deleted
    }
}

/// A stored value that is not what the service wrote.
struct CorruptRecord: Error, CustomStringConvertible {
    var description: String
}

extension AgentRecord {
    fileprivate var databaseArguments: StatementArguments {
        [
            agentId.value, presence.rawValue, reason?.value, since.millisecondsSinceEpoch,
            activity.rawValue, activitySince.millisecondsSinceEpoch, activityUntil?.millisecondsSinceEpoch,
            call?.callId.value, call?.direction.rawValue, call?.queueId?.value, call?.offerId?.value,
            call?.wrapUpMs, call?.maxNoAnswer, call?.declineWithdraws,
            connected, clientId?.value, disconnectDeadline?.millisecondsSinceEpoch, missedOffers, version,
            endedCallIds.map(\.value).joined(separator: " "), grantedRequestIds.map(\.value).joined(separator: " "),
        ]
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
