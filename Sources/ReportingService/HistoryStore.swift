import Foundation
import GRDB
public import Messages
public import Reporting
public import ServiceKit

/// The reporting service's database (`reporting.sqlite` under `--data-dir`, WAL mode):
/// agents' time per interval, dimension and state; queues' call counts per interval; each
/// agent's track (the last status applied and up to when its time is counted); and the
/// queue events already counted.
///
/// Each batch's rows and tracks are written in one transaction, so the stored rows and the
/// stored positions always agree: a restart — also after SIGKILL — carries on from the
/// positions and neither loses nor counts twice any time. History queries read through a
/// connection of their own, in one read transaction, so they see the rows and the
/// positions of the same commit.
public final class HistoryStore: Sendable {
    /// What the service resumes from.
    public struct Contents: Sendable {
        public var tracks: [AgentTrack] = []
        /// Each queue's figures of the day asked for.
        public var today: [QueueID: QueueTally] = [:]
        public var seenEvents: [String: Timestamp] = [:]
    }

    private let storage: ServiceDatabase
    private let database: DatabaseQueue
    private let reader: DatabaseQueue
    public let grid: IntervalGrid

    /// Opens (creating when needed) `reporting.sqlite` in `directory`. A database kept with
    /// another interval length is refused: its rows would not add up with the new ones.
    public init(directory: String, grid: IntervalGrid, durability: Durability = .processCrash) throws {
        storage = try ServiceDatabase(directory: directory, file: "reporting.sqlite", durability: durability, migrator: Self.migrator)
        database = storage.queue
        reader = try storage.makeReader()
        self.grid = grid
        try database.write { db in
            if let stored = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'intervalMinutes'") {
                guard stored == grid.minutes else {
                    throw StartupError(
                        "'\(directory)' holds \(stored)-minute intervals; --interval-minutes \(grid.minutes) would not add up with them (use another --data-dir)")
                }
            } else {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('intervalMinutes', ?)", arguments: [grid.minutes])
            }
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE agentInterval (
                    intervalStart INTEGER NOT NULL, agentId TEXT NOT NULL, dimension TEXT NOT NULL, state TEXT NOT NULL,
                    durationMs INTEGER NOT NULL, entries INTEGER NOT NULL,
                    PRIMARY KEY (intervalStart, agentId, dimension, state)
                ) WITHOUT ROWID;
                CREATE TABLE queueInterval (
                    intervalStart INTEGER NOT NULL, queueId TEXT NOT NULL,
                    offered INTEGER NOT NULL, answered INTEGER NOT NULL, abandoned INTEGER NOT NULL,
                    overflowed INTEGER NOT NULL, overflowedWaitTime1 INTEGER NOT NULL, overflowedWaitTime2 INTEGER NOT NULL,
                    answeredWithinServiceLevel INTEGER NOT NULL, answerWaitMs INTEGER NOT NULL,
                    handled INTEGER NOT NULL, handleMs INTEGER NOT NULL,
                    PRIMARY KEY (intervalStart, queueId)
                ) WITHOUT ROWID;
                CREATE TABLE agentTrack (
                    agentId TEXT PRIMARY KEY NOT NULL, status BLOB NOT NULL, known INTEGER NOT NULL,
                    accountedUntil INTEGER NOT NULL, displaySince INTEGER NOT NULL,
                    handlingCallId TEXT, handlingQueueId TEXT, handlingSince INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE seenEvent (key TEXT PRIMARY KEY NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
                CREATE INDEX seenEventByTime ON seenEvent(at);
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// The tracks, the figures of the UTC `day`, and the event keys seen since `eventsSince`.
    public func load(day: Int64, eventsSince: Timestamp) throws -> Contents {
        try database.read { db in
            var contents = Contents()
            let trackRows = try Row.fetchCursor(db, sql: "SELECT * FROM agentTrack")
            while let row = try trackRows.next() { contents.tracks.append(try Self.track(row)) }
            let dayStart = day * IntervalGrid.dayMs
            contents.today = try Self.queueTallies(
                db, sql: "SELECT queueId, \(Self.queueSums) FROM queueInterval WHERE intervalStart >= ? AND intervalStart < ? GROUP BY queueId",
                arguments: [dayStart, dayStart + IntervalGrid.dayMs]
            ).reduce(into: [:]) { $0[$1.queueId] = $1.tally }
            let seenRows = try Row.fetchCursor(
                db, sql: "SELECT key, at FROM seenEvent WHERE at >= ?", arguments: [eventsSince.millisecondsSinceEpoch])
            while let row = try seenRows.next() { contents.seenEvents[row["key"]] = Timestamp(millisecondsSinceEpoch: row["at"]) }
            return contents
        }
    }

    /// Adds a batch's rows, replaces its tracks and remembers its event keys, in one
    /// transaction; forgets the event keys older than `forgetEventsBefore`.
    ///
    /// The write runs on the database's own thread; the caller's executor is free meanwhile.
    public func save(_ changes: Reporter.Changes, forgetEventsBefore cutoff: Timestamp? = nil) async throws {
        let encoder = JSONEncoder()
        let tracks = try changes.tracks.map { ($0, try encoder.encode($0.status)) }
        defer {
            storage.noteWritten(rows: changes.agentRows.count + changes.queueRows.count + tracks.count + changes.seenEvents.count)
        }
        try await database.writeWithoutTransaction { [storage] db in
            storage.startLogAgainIfCopied(db)
            try db.inTransaction {
                try Self.write(changes, tracks: tracks, forgetEventsBefore: cutoff, db)
                return .commit
            }
        }
    }

    /// The batch's statements, inside the transaction of ``save(_:forgetEventsBefore:)``.
    private static func write(
        _ changes: Reporter.Changes, tracks: [(AgentTrack, Data)], forgetEventsBefore cutoff: Timestamp?, _ db: Database
    ) throws {
        let addAgent = try db.cachedStatement(sql: """
            INSERT INTO agentInterval (intervalStart, agentId, dimension, state, durationMs, entries) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET durationMs = durationMs + excluded.durationMs, entries = entries + excluded.entries
            """)
        for (key, tally) in changes.agentRows {
            try addAgent.execute(arguments: [
                key.intervalStart.millisecondsSinceEpoch, key.agentId.value, key.dimension.rawValue, key.state,
                tally.durationMs, tally.entries,
            ])
        }
        let addQueue = try db.cachedStatement(sql: """
            INSERT INTO queueInterval (intervalStart, queueId, offered, answered, abandoned, overflowed, overflowedWaitTime1,
                overflowedWaitTime2, answeredWithinServiceLevel, answerWaitMs, handled, handleMs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET offered = offered + excluded.offered, answered = answered + excluded.answered,
                abandoned = abandoned + excluded.abandoned, overflowed = overflowed + excluded.overflowed,
                overflowedWaitTime1 = overflowedWaitTime1 + excluded.overflowedWaitTime1,
                overflowedWaitTime2 = overflowedWaitTime2 + excluded.overflowedWaitTime2,
                answeredWithinServiceLevel = answeredWithinServiceLevel + excluded.answeredWithinServiceLevel,
                answerWaitMs = answerWaitMs + excluded.answerWaitMs, handled = handled + excluded.handled,
                handleMs = handleMs + excluded.handleMs
            """)
        for (key, t) in changes.queueRows {
            try addQueue.execute(arguments: [
                key.intervalStart.millisecondsSinceEpoch, key.queueId.value, t.offered, t.answered, t.abandoned,
                t.overflowed, t.overflowedWaitTime1, t.overflowedWaitTime2, t.answeredWithinServiceLevel,
                t.answerWaitMs, t.handled, t.handleMs,
            ])
        }
        let putTrack = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO agentTrack (agentId, status, known, accountedUntil, displaySince, handlingCallId,
                handlingQueueId, handlingSince) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (track, status) in tracks {
            try putTrack.execute(arguments: [
                track.agentId.value, status, track.known, track.accountedUntil.millisecondsSinceEpoch,
                track.displaySince.millisecondsSinceEpoch, track.handling?.callId.value, track.handling?.queueId.value,
                track.handling?.since.millisecondsSinceEpoch,
            ])
        }
        let remember = try db.cachedStatement(sql: "INSERT OR REPLACE INTO seenEvent (key, at) VALUES (?, ?)")
        for (key, at) in changes.seenEvents { try remember.execute(arguments: [key, at.millisecondsSinceEpoch]) }
        if let cutoff {
            try db.execute(sql: "DELETE FROM seenEvent WHERE at < ?", arguments: [cutoff.millisecondsSinceEpoch])
        }
    }

    // MARK: History

    /// The agent rows of `query`, with the open time of the known agents up to `now`.
    public func agentRows(_ query: HistoryQuery, now: Timestamp) async throws -> [AgentHistoryRow] {
        let span = query.span(grid: grid)
        let bucket = query.bucketMs(grid: grid)
        let (filter, arguments) = Self.filter(span, column: "agentId", query.agentId?.value)
        let (stored, tracks) = try await reader.read { [grid] db in
            var stored: [AgentRowKey: AgentTally] = [:]
            let sql =
                bucket == grid.lengthMs
                ? "SELECT intervalStart AS bucket, agentId, dimension, state, durationMs, entries FROM agentInterval WHERE \(filter)"
                : """
                SELECT intervalStart - intervalStart % \(bucket) AS bucket, agentId, dimension, state,
                    SUM(durationMs) AS durationMs, SUM(entries) AS entries
                FROM agentInterval WHERE \(filter) GROUP BY bucket, agentId, dimension, state
                """
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() {
                guard let dimension = Dimension(rawValue: row["dimension"]) else { continue }
                let key = AgentRowKey(
                    agentId: try AgentID(row["agentId"] as String), intervalStart: Timestamp(millisecondsSinceEpoch: row["bucket"]),
                    dimension: dimension, state: row["state"])
                stored[key] = AgentTally(durationMs: row["durationMs"], entries: row["entries"])
            }
            var tracks: [AgentTrack] = []
            let trackFilter = query.agentId == nil ? "" : " WHERE agentId = ?"
            let trackArguments: StatementArguments = query.agentId.map { [$0.value] } ?? []
            let trackRows = try Row.fetchCursor(db, sql: "SELECT * FROM agentTrack\(trackFilter)", arguments: trackArguments)
            while let row = try trackRows.next() { tracks.append(try Self.track(row)) }
            return (stored, tracks)
        }
        return query.agentRows(stored: stored, tracks: tracks, grid: grid, now: now)
    }

    /// The queue rows of `query`.
    public func queueRows(_ query: HistoryQuery) async throws -> [QueueHistoryRow] {
        let span = query.span(grid: grid)
        let bucket = query.bucketMs(grid: grid)
        let (filter, arguments) = Self.filter(span, column: "queueId", query.queueId?.value)
        let stored = try await reader.read { db in
            try Self.queueTallies(
                db,
                sql: """
                    SELECT intervalStart - intervalStart % \(bucket) AS bucket, queueId, \(Self.queueSums)
                    FROM queueInterval WHERE \(filter) GROUP BY bucket, queueId
                    """,
                arguments: arguments)
        }
        return query.queueRows(
            stored: stored.reduce(into: [:]) { $0[QueueRowKey(queueId: $1.queueId, intervalStart: $1.bucket)] = $1.tally }, grid: grid)
    }

    /// The rows of the intervals in `span`, of one agent or queue when `id` is given.
    private static func filter(_ span: Range<Timestamp>, column: String, _ id: String?) -> (String, StatementArguments) {
        var arguments: StatementArguments = [span.lowerBound.millisecondsSinceEpoch, span.upperBound.millisecondsSinceEpoch]
        guard let id else { return ("intervalStart >= ? AND intervalStart < ?", arguments) }
        _ = arguments.append(contentsOf: [id])
        return ("intervalStart >= ? AND intervalStart < ? AND \(column) = ?", arguments)
    }

    private static let queueSums = """
        SUM(offered) AS offered, SUM(answered) AS answered, SUM(abandoned) AS abandoned, SUM(overflowed) AS overflowed,
        SUM(overflowedWaitTime1) AS overflowedWaitTime1, SUM(overflowedWaitTime2) AS overflowedWaitTime2,
        SUM(answeredWithinServiceLevel) AS answeredWithinServiceLevel, SUM(answerWaitMs) AS answerWaitMs,
        SUM(handled) AS handled, SUM(handleMs) AS handleMs
        """

    private static func queueTallies(_ db: Database, sql: String, arguments: StatementArguments) throws
        -> [(queueId: QueueID, bucket: Timestamp, tally: QueueTally)]
    {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            var tally = QueueTally()
            tally.offered = row["offered"]
            tally.answered = row["answered"]
            tally.abandoned = row["abandoned"]
            tally.overflowed = row["overflowed"]
            tally.overflowedWaitTime1 = row["overflowedWaitTime1"]
            tally.overflowedWaitTime2 = row["overflowedWaitTime2"]
            tally.answeredWithinServiceLevel = row["answeredWithinServiceLevel"]
            tally.answerWaitMs = row["answerWaitMs"]
            tally.handled = row["handled"]
            tally.handleMs = row["handleMs"]
            let bucket = Timestamp(millisecondsSinceEpoch: (row["bucket"] as Int64?) ?? 0)
            return (try QueueID(row["queueId"] as String), bucket, tally)
        }
    }

    private static func track(_ row: Row) throws -> AgentTrack {
        let status = try JSONDecoder().decode(AgentStatus.self, from: row["status"] as Data)
        var handling: AgentTrack.Handling?
        if let callId = row["handlingCallId"] as String?, let queueId = row["handlingQueueId"] as String?,
            let since = row["handlingSince"] as Int64?
        {
            handling = AgentTrack.Handling(
                callId: try CallID(callId), queueId: try QueueID(queueId), since: Timestamp(millisecondsSinceEpoch: since))
        }
        return AgentTrack(
            status: status, known: row["known"], accountedUntil: Timestamp(millisecondsSinceEpoch: row["accountedUntil"]),
            displaySince: Timestamp(millisecondsSinceEpoch: row["displaySince"]), handling: handling)
    }
}
