import Foundation
import Logging
import MQTT
import Testing
import TestSupport

/// The production broker: mosquitto started from `Deploy/mosquitto/production.conf` itself
/// and `Deploy/mosquitto/acl` itself (test-time certificates, passwords and ports, see
/// `ProductionBroker`), every client over TLS with MQTT 5, so a refused publish is a PUBACK
/// error. What an account may read is shown with a subscription to `#`: the broker grants it
/// and delivers only what the account may read; a last message the account may read (the
/// fence) proves that nothing refused was delivered before it.
@Suite("The production broker: Deploy/mosquitto/production.conf and its ACL, over TLS")
struct DeployBrokerTests {
    /// Every account the ACL knows, and three agents.
    static let users = [
        "alice", "bob", "carol", "telephony", "status-service", "queue-service", "reporting-service", "wallboard", "operator",
    ]

    @Test("production.conf: no anonymous clients, passwords, the ACL, a TLS listener and a loopback-only plain listener")
    func securitySettings() async throws {
        let production = try DeployFiles.text(ProductionBroker.configPath)
        let lines = Set(production.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for setting in ["per_listener_settings false", "allow_anonymous false", "persistence true", "set_tcp_nodelay true"] {
            #expect(lines.contains(setting), "production.conf lacks '\(setting)'")
        }
        // The test replaces exactly these lines (the files and ports of the machine); that they
        // are each there once is checked when the broker starts.
        #expect(ProductionBroker.substitutions.map(\.line).contains("listener 1883 127.0.0.1"))
        try await withProductionBroker(users: Self.users) { broker in
            // Anonymous clients are refused on both listeners.
            await expectConnectionRefused(broker.productionClientConfiguration(user: nil))
            await expectConnectionRefused(broker.productionClientConfiguration(user: nil, tls: false))
            // So is a wrong password.
            await expectConnectionRefused(broker.productionClientConfiguration(user: "alice", password: "wrong"))
            // The TLS listener speaks only TLS.
            var plainToTLS = broker.productionClientConfiguration(user: "alice", tls: false)
            plainToTLS.port = broker.port
            plainToTLS.connectTimeout = .seconds(3)
            guard case .failed(let error) = await runOutcome(plainToTLS) else {
                Issue.record("a plain MQTT client connected to the TLS listener")
                return
            }
            #expect(error is MQTTError)
            // The loopback listener takes passwords, and the ACL holds there too.
            try await withClient(broker.productionClientConfiguration(user: "wallboard", tls: false)) { wallboard in
                await expectRefused(wallboard, ["report/totals"])
            }
            try await withClient(broker.productionClientConfiguration(user: "reporting-service", tls: false)) { reporting in
                try await reporting.publish("report/totals", payload: [], waitForAcknowledgement: true)
            }
        }
    }

    @Test("an agent publishes its own command and connection, seen by the status service; never another agent's, nor a reservation")
    func agentPublishes() async throws {
        try await withProductionBroker(users: Self.users) { broker in
            try await withClients(broker, ["alice", "status-service"]) { clients in
                let (alice, statusService) = (clients[0], clients[1])
                let received = Inbox(try await statusService.subscribe(to: [
                    "agent/+/command", "agent/+/connection", "agent/+/reserve", "agent/+/release", "call/+/event",
                ]))
                try await alice.publish("agent/alice/command", payload: Array("login".utf8), waitForAcknowledgement: true)
                try await alice.publish("agent/alice/connection", payload: Array("online".utf8), retain: true, waitForAcknowledgement: true)
                await expectRefused(alice, [
                    "agent/bob/command", "agent/bob/connection", "agent/alice/reserve", "agent/bob/reserve", "agent/alice/release",
                    "agent/alice/status", "agent/alice/event", "call/c1/event", "queue/sales/enqueue", "config/statuses",
                    "config/queue/sales", "client/alice/r1", "service/status-service/x", "report/totals",
                ])
                try await alice.publish("agent/alice/command", payload: Array("fence".utf8), waitForAcknowledgement: true)
                #expect(try await received.next().topic == "agent/alice/command")
                #expect(try await received.next().topic == "agent/alice/connection")
                // Nothing refused reached the status service: the next message is the fence.
                let fence = try await received.next()
                #expect(fence.topic == "agent/alice/command" && fence.payload == Array("fence".utf8))
            }
        }
    }

    @Test("an agent reads its own status, events and replies and the status catalogue, nothing of other agents")
    func agentReads() async throws {
        try await expectReads(AccountReads(
            reader: "alice",
            messages: [
                ("status-service", "agent/bob/status", false), ("status-service", "agent/alice/status", true),
                ("status-service", "agent/bob/event", false), ("status-service", "agent/alice/event", true),
                ("status-service", "config/statuses", true), ("status-service", "client/bob/r1", false),
                ("status-service", "client/alice/r1", true), ("queue-service", "agent/alice/reserve", false),
                ("queue-service", "call/c1/route", false), ("queue-service", "queue/sales/state", false),
                ("operator", "agent/alice/command", false), ("operator", "config/queue/sales", false),
                ("reporting-service", "report/agent/alice", false), ("status-service", "client/alice/fence", true),
            ]))
    }

    @Test("the wall-board account cannot publish anything")
    func wallboardPublishesNothing() async throws {
        try await withProductionBroker(users: Self.users) { broker in
            try await withClient(broker.productionClientConfiguration(user: "wallboard")) { wallboard in
                await expectRefused(wallboard, [
                    "report/totals", "report/queue/sales", "report/agent/alice", "queue/sales/state", "agent/alice/status",
                    "agent/wallboard/command", "agent/wallboard/connection", "agent/alice/command", "agent/alice/reserve",
                    "queue/sales/enqueue", "call/c1/event", "call/c1/route", "config/queue/sales", "config/statuses",
                    "service/wallboard/1", "error/wallboard", "client/wallboard/r1", "reply/wallboard/r1", "wallboard",
                ])
            }
        }
    }

    @Test("the wall-board reads reports, queue states and agent statuses, and nothing else")
    func wallboardReads() async throws {
        try await expectReads(AccountReads(
            reader: "wallboard",
            messages: [
                ("reporting-service", "report/queue/sales", true), ("reporting-service", "report/agent/alice", true),
                ("status-service", "agent/alice/event", false), ("status-service", "agent/alice/status", true),
                ("status-service", "client/wallboard/r1", false), ("queue-service", "queue/sales/event", false),
                ("queue-service", "queue/sales/state", true), ("queue-service", "call/c1/route", false),
                ("operator", "config/queue/sales", false), ("alice", "agent/alice/command", false),
                ("telephony", "call/c1/event", false), ("reporting-service", "report/totals", true),
            ]))
    }

    @Test("the telephony account reports arrivals and call progress, but cannot set an agent's status")
    func telephonyPublishes() async throws {
        try await withProductionBroker(users: Self.users) { broker in
            try await withClients(broker, ["telephony", "queue-service"]) { clients in
                let (telephony, queueService) = (clients[0], clients[1])
                let received = Inbox(try await queueService.subscribe(to: ["queue/+/enqueue", "call/+/event", "agent/+/status"]))
                try await telephony.publish("queue/sales/enqueue", payload: Array("call".utf8), waitForAcknowledgement: true)
                try await telephony.publish("call/c1/event", payload: Array("answered".utf8), waitForAcknowledgement: true)
                await expectRefused(telephony, [
                    "agent/alice/status", "agent/alice/command", "agent/alice/connection", "agent/alice/reserve",
                    "call/c1/route", "call/c1/overflow", "queue/sales/state", "queue/sales/event", "config/queue/sales",
                    "report/totals", "agent/telephony/command",
                ])
                try await telephony.publish("call/c1/event", payload: Array("fence".utf8), waitForAcknowledgement: true)
                #expect(try await received.next().topic == "queue/sales/enqueue")
                #expect(try await received.next().topic == "call/c1/event")
                #expect(try await received.next().payload == Array("fence".utf8))
            }
        }
    }

    @Test("the telephony account reads routes, overflows and its replies")
    func telephonyReads() async throws {
        try await expectReads(AccountReads(
            reader: "telephony",
            messages: [
                ("queue-service", "call/c1/route", true), ("queue-service", "call/c1/overflow", true),
                ("queue-service", "client/telephony/r1", true), ("queue-service", "agent/alice/reserve", false),
                ("queue-service", "queue/sales/state", false), ("queue-service", "queue/sales/event", false),
                ("status-service", "agent/alice/status", false), ("status-service", "client/alice/r1", false),
                ("queue-service", "client/telephony/fence", true),
            ]))
    }

    @Test("each service and the operator publish what they own, and nothing of another's", arguments: AccountWrites.all)
    func accountWrites(_ rights: AccountWrites) async throws {
        try await withProductionBroker(users: Self.users) { broker in
            try await withClient(broker.productionClientConfiguration(user: rights.user)) { client in
                for topic in rights.allowed {
                    do {
                        try await client.publish(topic, payload: Array("x".utf8), waitForAcknowledgement: true)
                    } catch {
                        Issue.record("\(rights.user) may not publish on \(topic): \(error)")
                    }
                }
                await expectRefused(client, rights.refused)
            }
        }
    }

    @Test("each service and the operator read what they consume, and nothing else", arguments: AccountReads.services)
    func accountReads(_ reads: AccountReads) async throws {
        try await expectReads(reads)
    }
}

/// What an account may publish (`allowed`) and may not (`refused`).
struct AccountWrites: Sendable, CustomTestStringConvertible {
    var user: String
    var allowed: [String]
    var refused: [String]
    var testDescription: String { user }

    static let all = [
        AccountWrites(
            user: "status-service",
            allowed: [
                "agent/alice/status", "agent/alice/event", "config/statuses", "service/status-service/host-1",
                "error/status-service", "client/alice/r1", "client/operator/r1", "reply/queue-service/shard-0",
            ],
            refused: [
                "agent/alice/command", "agent/alice/connection", "agent/alice/reserve", "call/c1/event", "call/c1/route",
                "queue/sales/state", "config/queue/sales", "report/totals", "service/queue-service/host-1",
                "error/queue-service", "reply/reporting-service/ready", "client/status-service/r1",
            ]),
        AccountWrites(
            user: "queue-service",
            allowed: [
                "agent/alice/reserve", "agent/alice/release", "call/c1/route", "call/c1/overflow", "queue/sales/enqueue",
                "queue/sales/state", "queue/sales/event", "config/queue/sales", "service/queue-service/host-1-0",
                "error/queue-service", "reply/queue-service/shard-0/ready", "client/telephony/r1",
            ],
            refused: [
                "agent/alice/status", "agent/alice/event", "agent/alice/command", "call/c1/event", "config/statuses",
                "report/totals", "service/status-service/host-1", "error/status-service", "reply/reporting-service/ready",
            ]),
        AccountWrites(
            user: "reporting-service",
            allowed: [
                "report/queue/sales", "report/agent/alice", "report/totals", "service/reporting-service/host-1",
                "error/reporting-service", "reply/reporting-service/ready",
            ],
            refused: [
                "agent/alice/status", "agent/alice/command", "queue/sales/state", "queue/sales/event", "config/queue/sales",
                "call/c1/route", "client/alice/r1", "reply/queue-service/shard-0", "error/status-service",
            ]),
        AccountWrites(
            user: "operator",
            allowed: ["config/queue/sales", "agent/alice/command"],
            refused: [
                "agent/operator/command", "agent/alice/status", "agent/alice/connection", "agent/alice/reserve",
                "call/c1/route", "call/c1/event", "queue/sales/enqueue", "queue/sales/state", "report/totals",
                "config/statuses", "service/operator/1", "error/operator", "client/alice/r1",
            ]),
    ]
}

/// Messages published in order, each by a `writer` account, and whether `reader` must
/// receive it on a subscription to `#`. The last one must be readable: it is the fence.
struct AccountReads: Sendable, CustomTestStringConvertible {
    var reader: String
    var messages: [(writer: String, topic: String, readable: Bool)]
    var testDescription: String { reader }

    static let services = [
        AccountReads(
            reader: "status-service",
            messages: [
                ("alice", "agent/alice/command", true), ("alice", "agent/alice/connection", true),
                ("queue-service", "agent/alice/reserve", true), ("queue-service", "agent/alice/release", true),
                ("telephony", "call/c1/event", true), ("queue-service", "call/c1/route", false),
                ("queue-service", "queue/sales/state", false), ("operator", "config/queue/sales", false),
                ("reporting-service", "report/totals", false), ("queue-service", "client/telephony/r1", false),
                ("operator", "agent/bob/command", true),
            ]),
        AccountReads(
            reader: "queue-service",
            messages: [
                ("status-service", "agent/alice/status", true), ("status-service", "agent/alice/event", false),
                ("operator", "config/queue/sales", true), ("telephony", "queue/sales/enqueue", true),
                ("telephony", "call/c1/event", true), ("status-service", "reply/queue-service/shard-0", true),
                ("alice", "agent/alice/command", false), ("reporting-service", "report/totals", false),
                ("status-service", "client/alice/r1", false), ("status-service", "config/statuses", true),
                ("telephony", "queue/support/enqueue", true),
            ]),
        AccountReads(
            reader: "reporting-service",
            messages: [
                ("status-service", "agent/alice/status", true), ("status-service", "agent/alice/event", false),
                ("operator", "config/queue/sales", true), ("queue-service", "queue/sales/state", true),
                ("queue-service", "queue/sales/event", true), ("queue-service", "call/c1/route", false),
                ("telephony", "call/c1/event", false), ("alice", "agent/alice/command", false),
                ("reporting-service", "reply/reporting-service/ready", true),
            ]),
        AccountReads(
            reader: "operator",
            messages: [
                ("status-service", "agent/alice/status", true), ("status-service", "agent/alice/event", true),
                ("status-service", "config/statuses", true), ("queue-service", "config/queue/sales", true),
                ("queue-service", "queue/sales/state", true), ("queue-service", "queue/sales/event", true),
                ("reporting-service", "report/totals", true), ("status-service", "error/status-service", true),
                ("queue-service", "service/queue-service/host-1-0", true), ("queue-service", "call/c1/route", true),
                ("telephony", "call/c1/event", true), ("status-service", "client/operator/r1", true),
                ("queue-service", "agent/alice/reserve", false), ("telephony", "queue/sales/enqueue", false),
                ("alice", "agent/alice/command", false), ("status-service", "client/alice/r1", false),
                ("reporting-service", "reply/reporting-service/ready", false), ("status-service", "client/operator/fence", true),
            ]),
    ]
}

/// Publishes `reads.messages` in order (each acknowledged before the next, so the broker
/// handles them in that order) and expects the reader's `#` subscription to deliver exactly
/// the readable ones, in order.
private func expectReads(_ reads: AccountReads, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    precondition(reads.messages.last?.readable == true, "the last message is the fence: it must be readable")
    let writers = Array(Set(reads.messages.map(\.writer)).subtracting([reads.reader])).sorted()
    try await withProductionBroker(users: DeployBrokerTests.users) { broker in
        try await withClients(broker, [reads.reader] + writers) { clients in
            let inbox = Inbox(try await clients[0].subscribe(to: ["#"]))
            let client = Dictionary(uniqueKeysWithValues: zip([reads.reader] + writers, clients))
            for (index, message) in reads.messages.enumerated() {
                try await client[message.writer]!.publish(
                    message.topic, payload: Array("\(index)".utf8), waitForAcknowledgement: true)
            }
            var delivered: [String] = []
            while delivered.last != reads.messages.last?.topic {
                let message = try await inbox.next(timeout: .seconds(5))
                delivered.append(message.topic)
            }
            let expected = reads.messages.filter(\.readable).map(\.topic)
            #expect(delivered == expected, "\(reads.reader) read \(delivered)", sourceLocation: sourceLocation)
        }
    }
}

/// Publishes on each topic and expects the broker to refuse it.
private func expectRefused(_ client: MQTTClient, _ topics: [String], sourceLocation: SourceLocation = #_sourceLocation) async {
    for topic in topics {
        do {
            try await client.publish(topic, payload: Array("x".utf8), waitForAcknowledgement: true)
            Issue.record("\(client.configuration.username ?? "anonymous") could publish on \(topic)", sourceLocation: sourceLocation)
        } catch MQTTError.publishRefused {
            // As it should.
        } catch {
            Issue.record("publishing on \(topic): \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// How a client's `run()` ended: with an error, by itself, or not within the time limit
/// (it is then cancelled).
private enum RunOutcome {
    case failed(any Error)
    case ended
    case stillRunning
}

private func runOutcome(_ configuration: MQTTConfiguration, limit: Duration = .seconds(15)) async -> RunOutcome {
    let client: MQTTClient
    do {
        client = try MQTTClient(configuration: configuration, logger: Logger(label: "test.connect"))
    } catch {
        return .failed(error)
    }
    return await withTaskGroup(of: RunOutcome.self) { group in
        group.addTask {
            do {
                try await client.run()
                return .ended
            } catch {
                return .failed(error)
            }
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return .stillRunning
        }
        let first = await group.next() ?? .stillRunning
        group.cancelAll()
        return first
    }
}

/// Expects the broker to refuse the connection.
private func expectConnectionRefused(_ configuration: MQTTConfiguration, sourceLocation: SourceLocation = #_sourceLocation) async {
    switch await runOutcome(configuration) {
    case .failed(MQTTError.connectionRefused):
        break // as it should
    case .failed(let error):
        Issue.record("expected a refusal, got \(error)", sourceLocation: sourceLocation)
    case .ended, .stillRunning:
        Issue.record("\(configuration.username ?? "anonymous") connected", sourceLocation: sourceLocation)
    }
}

/// Runs `body` with a connected client of each account in `users` (TLS, MQTT 5), in that order.
private func withClients(_ broker: Broker, _ users: [String], _ body: ([MQTTClient]) async throws -> Void) async throws {
    guard let first = users.first else { return try await body([]) }
    try await withClient(broker.productionClientConfiguration(user: first)) { client in
        try await withClients(broker, Array(users.dropFirst())) { others in
            try await body([client] + others)
        }
    }
}
