import Foundation
import GRDB
import ServiceKit
import Synchronization
import Testing

/// The journal in front of a service's database, on its own: what a commit returned from is
/// in SQLite after the next open, exactly once, whatever the process did in between.
@Suite("journal")
struct JournalTests {
    /// A store of one table, as the services' stores are made.
    struct Store {
        static let statements = [
            "INSERT INTO item (id, name, weight, data) VALUES (?, ?, ?, ?)",
            "DELETE FROM item WHERE id = ?",
        ]
        let database: ServiceDatabase
        let journal: Journal

        init(
            _ directory: String, emptyAtBytes: Int = 4 << 20, statements: [String] = Store.statements, gather: Duration = .milliseconds(10)
        ) throws {
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, weight REAL, data BLOB)")
            }
            database = try ServiceDatabase(directory: directory, file: "test.sqlite", durability: .processCrash, migrator: migrator)
            journal = try Journal(database: database, statements: statements, emptyAtBytes: emptyAtBytes, gather: gather)
        }

        func items() throws -> [Item] {
            try database.queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM item ORDER BY id").map {
                    Item(id: $0["id"], name: $0["name"], weight: $0["weight"], data: ($0["data"] as Data?).map(Array.init))
                }
            }
        }
    }

    struct Item: Equatable {
        var id: Int64
        var name: String?
        var weight: Double?
        var data: [UInt8]?

        var insert: JournalBatch {
            var batch = JournalBatch()
            batch.add(0, [id.databaseValue, name.databaseValue, weight.databaseValue, data.map { Data($0) }.databaseValue])
            return batch
        }
    }

    static let items = [
        Item(id: 1, name: "plain", weight: 1.5, data: [0, 1, 2, 255]),
        Item(id: 2, name: "ünïcode ☎ and \"quotes\"\n", weight: -0.0, data: []),
        Item(id: 3, name: nil, weight: nil, data: nil),
        Item(id: Int64.max, name: "", weight: .infinity, data: Array(repeating: 7, count: 70_000)),
    ]

    func withDirectories(_ body: (String, String) async throws -> Void) async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try await body(base + "/a", base + "/b")
    }

    /// Makes `crashed` what a process killed after its commits returned and before SQLite
    /// held them leaves behind: the database as it was before, and the journal with them.
    /// Returns `original`'s journal as it was after the commits.
    func crashAfterCommitting(_ batches: [JournalBatch], original: String, crashed: String) async throws -> [UInt8] {
        do { _ = try Store(original) }
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: original + "/test.sqlite" + suffix) {
            try FileManager.default.copyItem(atPath: original + "/test.sqlite" + suffix, toPath: crashed + "/test.sqlite" + suffix)
        }
        do {
            let store = try Store(original)
            for batch in batches { try await store.journal.commit(batch) }
            try await store.journal.waitUntilStored()
        }
        let journal = try #require(FileManager.default.contents(atPath: original + "/test.sqlite.redo"))
        try journal.write(to: URL(fileURLWithPath: crashed + "/test.sqlite.redo"))
        return Array(journal)
    }

    @Test("batches a process committed and SQLite did not hold yet are stored at the next open, with every value exact")
    func replay() async throws {
        try await withDirectories { original, crashed in
            _ = try await crashAfterCommitting(Self.items.map(\.insert), original: original, crashed: crashed)
            let store = try Store(crashed)
            #expect(store.journal.recoveredBatches == Self.items.count)
            #expect(try store.items() == Self.items)
        }
    }

    @Test("entries written by a version whose SQL differs are refused at open, and kept for that version")
    func otherVersion() async throws {
        try await withDirectories { original, crashed in
            _ = try await crashAfterCommitting(Self.items.map(\.insert), original: original, crashed: crashed)
            let changed = [Store.statements[0].replacingOccurrences(of: "weight", with: "data, weight"), Store.statements[1]]
            #expect(throws: StartupError.self) { _ = try Store(crashed, statements: changed) }
            let store = try Store(crashed)
            #expect(store.journal.recoveredBatches == Self.items.count)
            #expect(try store.items() == Self.items)
        }
    }

    @Test("entries after a gap (SQLite lost its last, unsynced commits to a power loss) are left out, not applied on top")
    func gap() async throws {
        try await withDirectories { original, crashed in
            // `crashed` gets the database holding batch 1, and a journal holding batches 3 and 4.
            do {
                let store = try Store(original)
                try await store.journal.commit(Self.items[0].insert)
                try await store.journal.waitUntilStored()
            }
            try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: original + "/test.sqlite" + suffix) {
                try FileManager.default.copyItem(atPath: original + "/test.sqlite" + suffix, toPath: crashed + "/test.sqlite" + suffix)
            }
            do {
                let store = try Store(original)
                try await store.journal.commit(Self.items[1].insert)
                try await store.journal.waitUntilStored()
            }
            do {
                let store = try Store(original)
                try await store.journal.commit(Self.items[2].insert)
                try await store.journal.commit(Self.items[3].insert)
                try await store.journal.waitUntilStored()
            }
            try FileManager.default.copyItem(atPath: original + "/test.sqlite.redo", toPath: crashed + "/test.sqlite.redo")
            let store = try Store(crashed)
            #expect(store.journal.recoveredBatches == 0)
            #expect(store.journal.skippedBatches == 2)
            #expect(try store.items() == [Self.items[0]])
        }
    }

    @Test("entries SQLite already holds are not run again (a second insert of the same id would fail)")
    func storedOnce() async throws {
        try await withDirectories { original, crashed in
            _ = try await crashAfterCommitting(Self.items.map(\.insert), original: original, crashed: crashed)
            // `original` holds every row and its journal every entry: opening must skip them all.
            #expect(try Store(original).items() == Self.items)
            #expect(try Store(original).items() == Self.items)
        }
    }

    @Test("a torn last entry (a power loss in its write) is dropped; the whole ones before it are stored")
    func tornTail() async throws {
        try await withDirectories { original, crashed in
            let journal = try await crashAfterCommitting(Self.items.map(\.insert), original: original, crashed: crashed)
            // The last entry holds the 70,000-byte blob: cut it short.
            try Data(journal.dropLast(1_000)).write(to: URL(fileURLWithPath: crashed + "/test.sqlite.redo"))
            #expect(try Store(crashed).items() == Array(Self.items.dropLast()))
        }
    }

    @Test("an entry whose bytes changed is dropped with every entry after it")
    func corrupted() async throws {
        try await withDirectories { original, crashed in
            var journal = try await crashAfterCommitting(Self.items.map(\.insert), original: original, crashed: crashed)
            // Inside the second entry's body (the first entry is well under 200 bytes).
            let firstLength = Int(journal[0]) | Int(journal[1]) << 8
            journal[12 + firstLength + 12 + 20] ^= 0xFF
            try Data(journal).write(to: URL(fileURLWithPath: crashed + "/test.sqlite.redo"))
            #expect(try Store(crashed).items() == [Self.items[0]])
        }
    }

    @Test("the journal is emptied once SQLite holds every entry and it has grown past its limit")
    func emptied() async throws {
        try await withDirectories { directory, _ in
            let store = try Store(directory, emptyAtBytes: 1_000)
            let path = directory + "/test.sqlite.redo"
            func size() throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int }
            #expect(try size() == 0, "emptied at open")
            var largest = 0
            for id in Int64(1)...40 {
                try await store.journal.commit(Item(id: id, name: String(repeating: "x", count: 100)).insert)
                try await store.journal.waitUntilStored()
                largest = max(largest, try size())
            }
            #expect(largest < 1_200, "never much past the limit: \(largest) bytes")
            #expect(try store.items().count == 40)
        }
    }

    @Test("a batch SQLite refuses stops the journal: the waiter and every later commit get the error")
    func failure() async throws {
        try await withDirectories { directory, _ in
            let store = try Store(directory)
            try await store.journal.commit(Self.items[0].insert)
            try await store.journal.commit(Self.items[0].insert)  // the same primary key again
            await #expect(throws: JournalError.self) { try await store.journal.waitUntilStored() }
            await #expect(throws: JournalError.self) { try await store.journal.commit(Self.items[1].insert) }
        }
    }

    @Test("the writer lets later batches join a commit's for the gathering interval, and stops gathering when someone waits")
    func gathering() async throws {
        try await withDirectories { directory, _ in
            let gather = Duration.seconds(120)
            let store = try Store(directory, gather: gather)
            for item in Self.items { try await store.journal.commit(item.insert) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try store.items().isEmpty, "stored before the gathering interval ended")
            let waited = ContinuousClock.now
            try await store.journal.waitUntilStored()
            #expect(ContinuousClock.now - waited < gather / 2, "the wait did not end the gathering")
            #expect(try store.items() == Self.items)
        }
    }

    @Test("a commit that leaves too much waiting ends the gathering, with no one waiting")
    func urgentCommit() async throws {
        try await withDirectories { directory, _ in
            let store = try Store(directory, gather: .seconds(120))
            try await store.journal.commit(Self.items[0].insert)
            try await Task.sleep(for: .milliseconds(50))  // the writer is gathering now
            var batch = JournalBatch()
            for id in 1...Journal.maximumWaitingStatements / 4 {
                batch.add(0, [Int64(id + 10).databaseValue, "n".databaseValue, 1.0.databaseValue, Data().databaseValue])
            }
            try await store.journal.commit(batch)
            #expect(try await Self.eventually { try store.items().count == 1 + Journal.maximumWaitingStatements / 4 })
        }
    }

    @Test("a commit that makes the file due to be emptied ends the gathering, and the next commit empties it")
    func emptyingEndsGathering() async throws {
        try await withDirectories { directory, _ in
            let store = try Store(directory, emptyAtBytes: 4096, gather: .seconds(120))
            try await store.journal.commit(Self.items[2].insert)
            try await Task.sleep(for: .milliseconds(50))  // the writer is gathering now
            let large = Item(id: 5, name: "large", weight: 1, data: Array(repeating: 1, count: 5000))
            try await store.journal.commit(large.insert)
            #expect(try await Self.eventually { try store.items().count == 2 })
            try await store.journal.commit(Self.items[0].insert)
            let size = try FileManager.default.attributesOfItem(atPath: directory + "/test.sqlite.redo")[.size] as? Int
            #expect((size ?? .max) < 4096, "the file was not emptied")
        }
    }

    /// Whether `condition` holds within a minute, tried every 20 ms.
    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    @Test("whenStored runs once SQLite holds the batch, in commit order")
    func whenStored() async throws {
        try await withDirectories { directory, _ in
            let store = try Store(directory)
            let order = Mutex<[Int64]>([])
            for item in Self.items {
                try await store.journal.commit(item.insert) {
                    let stored = (try? store.items().map(\.id)) ?? []
                    order.withLock { $0.append(stored.contains(item.id) ? item.id : -1) }
                }
            }
            try await store.journal.waitUntilStored()
            #expect(order.withLock { $0 } == Self.items.map(\.id))
        }
    }
}
