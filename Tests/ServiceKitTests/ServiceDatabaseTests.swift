import Foundation
import GRDB
import ServiceKit
import Testing

/// A service's SQLite database: its write-ahead log is copied into the database behind the
/// writes, and does not keep its largest size once it has been.
@Suite("service database")
struct ServiceDatabaseTests {
    @Test("once the checkpoint thread has copied the whole log, the next write cuts the log file down to the limit")
    func logIsCutDown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("service-db-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: "CREATE TABLE blob (id INTEGER PRIMARY KEY, data BLOB)") }
        let database = try ServiceDatabase(directory: directory, file: "test.sqlite", durability: .processCrash, migrator: migrator)
        func logSize() throws -> Int { try FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as! Int }

        // 40 MB in the log, more than twice the limit.
        let chunk = Data(repeating: 7, count: 1 << 20)
        for id in 0..<40 {
            try await database.queue.write { db in try db.execute(sql: "INSERT INTO blob VALUES (?, ?)", arguments: [id, chunk]) }
        }
        #expect(try logSize() > 2 * ServiceDatabase.walSizeLimitBytes)
        database.noteWritten(rows: ServiceDatabase.checkpointRows)

        // The checkpoint thread looks every 100 ms; each write here comes as a service's does.
        // Bounded by the loop's count, not by a timed assertion.
        var id = 40
        while try logSize() > ServiceDatabase.walSizeLimitBytes, id < 240 {
            try await Task.sleep(for: .milliseconds(50))
            try await database.queue.writeWithoutTransaction { [id] db in
                database.startLogAgainIfCopied(db)
                try db.execute(sql: "INSERT INTO blob VALUES (?, NULL)", arguments: [id])
            }
            id += 1
        }
        #expect(try logSize() <= ServiceDatabase.walSizeLimitBytes)
        #expect(try await database.queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blob") } == id)
    }
}
