import AgentState
import Foundation
import Messages
import StatusService
import Testing

/// The status service's database on its own: what is saved is what is loaded.
@Suite("agent store")
struct AgentStoreTests {
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agent-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    static let record = AgentRecord(
        agentId: try! AgentID("a1"), presence: .withdrawn, reason: try! ReasonID("no-answer"),
        since: Timestamp(millisecondsSinceEpoch: 1_780_000_000_123), activity: .ringing,
        activitySince: Timestamp(millisecondsSinceEpoch: 1_780_000_001_000),
        activityUntil: Timestamp(millisecondsSinceEpoch: 1_780_000_021_000),
        call: .init(
            callId: try! CallID("c1"), direction: .queue, queueId: try! QueueID("q1"), offerId: try! OfferID("o1"),
            wrapUpMs: 5_000, maxNoAnswer: 3, declineWithdraws: true),
        connected: false, clientId: try! ClientID("client-1"),
        disconnectDeadline: Timestamp(millisecondsSinceEpoch: 1_780_000_030_000), missedOffers: 2,
        endedCallIds: [try! CallID("c0"), try! CallID("c-1")], grantedRequestIds: [try! RequestID("r1")], version: 42)

    @Test("every field of a record comes back as it was saved, also after reopening")
    func roundTrip() async throws {
        try await withDirectory { directory in
            var idle = Self.record
            idle.agentId = try AgentID("a2")
            idle.call = nil
            idle.activity = .idle
            idle.activityUntil = nil
            idle.reason = nil
            idle.presence = .ready
            let command = AgentStore.AppliedCommand(
                agentId: try AgentID("a1"), commandId: try CommandID("cmd-1"), reply: Array("reply".utf8), at: .now)
            do {
                let store = try AgentStore(directory: directory)
                try await store.save(records: [Self.record, idle], commands: [command])
                try await store.waitUntilStored()
            }
            let reopened = try AgentStore(directory: directory)
            let loaded = try reopened.loadAgents().sorted { $0.agentId < $1.agentId }
            #expect(loaded == [Self.record, idle])
            #expect(try reopened.reply(to: command.commandId, of: command.agentId) == command.reply, "applied commands are known again")
        }
    }

    @Test("an applied command's reply is found by agent and command id until it is forgotten")
    func commands() async throws {
        try await withDirectory { directory in
            let store = try AgentStore(directory: directory)
            let at = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
            try await store.save(
                records: [Self.record],
                commands: [.init(agentId: try AgentID("a1"), commandId: try CommandID("cmd-1"), reply: [1, 2, 3], at: at)])
            #expect(try store.reply(to: try CommandID("cmd-1"), of: try AgentID("a1")) == [1, 2, 3])
            #expect(try store.reply(to: try CommandID("cmd-1"), of: try AgentID("a2")) == nil)
            #expect(try await store.forgetCommands(appliedBefore: at) == 0)
            #expect(try await store.forgetCommands(appliedBefore: at.advanced(byMilliseconds: 1)) == 1)
            #expect(try store.reply(to: try CommandID("cmd-1"), of: try AgentID("a1")) == nil)
        }
    }

    @Test("a second store on the same directory is refused while the first is open")
    func exclusive() async throws {
        try await withDirectory { directory in
            let first = try AgentStore(directory: directory)
            try await first.save(records: [Self.record], commands: [])
            #expect(throws: (any Error).self) { _ = try AgentStore(directory: directory).loadAgents() }
        }
    }
}
