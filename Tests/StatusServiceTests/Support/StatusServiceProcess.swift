import Foundation
import MQTT
import Messages
import Testing
import TestSupport

/// The real `status-service` executable, started against a test broker with its own data
/// directory. `start` returns once the service has announced itself online.
final class StatusServiceProcess: @unchecked Sendable {
    let process: ChildProcess
    let instance: String

    private init(process: ChildProcess, instance: String) {
        self.process = process
        self.instance = instance
    }

    /// Starts the service and waits for its retained `online` presence. `observer` must be a
    /// connected client of `broker`.
    static func start(
        broker: Broker, dataDirectory: URL, observer: MQTTClient, options: [String] = [],
        name: String = "status-\(UUID().uuidString.prefix(6))"
    ) async throws -> StatusServiceProcess {
        let instance = name
        let presence = Inbox(try await observer.subscribe(to: [TopicFilter(stringLiteral: "service/status-service/\(instance)")]))
        let process = try ChildProcess(
            executable: Products.path("status-service"),
            arguments: [
                "--mqtt-port", String(broker.port), "--data-dir", dataDirectory.path, "--instance", instance,
                "--log-level", "notice",
            ] + options,
            logFile: broker.directory.appendingPathComponent("\(instance).log"))
        while true {
            let message: MQTTMessage
            do {
                message = try await presence.next(timeout: .seconds(30))
            } catch {
                process.signalAndWait(SIGKILL)
                Issue.record("status-service did not come online: \(process.output)")
                throw error
            }
            let state = try MessageCodec().decode(ServicePresence.self, from: message.payload)
            if state.state == .online { break }
        }
        return StatusServiceProcess(process: process, instance: instance)
    }

    /// Runs the executable with `arguments` until it exits by itself (for option checks that
    /// end it at start), returning its exit code (-1 when killed by a signal) and its output.
    static func runToEnd(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("status-service-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try ChildProcess(executable: Products.path("status-service"), arguments: arguments, logFile: log)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return (process.exitCode ?? -1, process.output)
    }

    /// SIGKILL: no clean shutdown, no chance to write anything more.
    func kill() { process.signalAndWait(SIGKILL) }

    /// SIGTERM, the way an operator stops it.
    func stop() { process.signalAndWait(SIGTERM) }

    var output: String { process.output }
}

/// A test's view of the bus: sends commands and requests with unique reply topics and reads
/// the replies, statuses, events and error reports.
struct Bus {
    let client: MQTTClient
    let codec = MessageCodec()

    /// Publishes `payload` on `topic`.
    func send(_ topic: Topic, _ payload: some Payload) async throws {
        try await client.publish(topic.name, payload: try codec.encode(payload), waitForAcknowledgement: true)
    }

    /// Publishes raw bytes on a raw topic (for bad input).
    func sendRaw(_ topic: String, _ bytes: [UInt8]) async throws {
        try await client.publish(topic, payload: bytes, waitForAcknowledgement: true)
    }

    /// A fresh reply topic with an inbox already listening.
    func replyInbox() async throws -> (ReplyTopic, Inbox) {
        let name = "test/reply/\(UUID().uuidString.prefix(8))"
        let inbox = Inbox(try await client.subscribe(to: [TopicFilter(stringLiteral: name)]))
        return (try ReplyTopic(name), inbox)
    }

    /// Sends a command and returns the reply.
    func command(
        _ agent: String, _ action: AgentCommand.Action, presence: Presence? = nil, reason: String? = nil,
        by: String? = nil, commandId: String = "cmd-\(UUID().uuidString.prefix(8))"
    ) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let command = AgentCommand(
            commandId: try CommandID(commandId), action: action, presence: presence,
            reason: try reason.map { try ReasonID($0) }, by: try by.map { try SupervisorID($0) }, replyTo: replyTo)
        try await send(.agentCommand(try AgentID(agent)), command)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Asks to reserve `agent` for `call` and returns the reply.
    func reserve(
        _ agent: String, call: String, offer: String = "offer-1", queue: String = "q1", ringTimeoutMs: Int = 20_000,
        wrapUpMs: Int = 0, maxNoAnswer: Int = 1
    ) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let request = ReserveRequest(
            requestId: try RequestID("req-\(UUID().uuidString.prefix(8))"), callId: try CallID(call),
            queueId: try QueueID(queue), offerId: try OfferID(offer), ringTimeoutMs: ringTimeoutMs, wrapUpMs: wrapUpMs,
            maxNoAnswer: maxNoAnswer, declineWithdraws: true, replyTo: replyTo)
        try await send(.agentReserve(try AgentID(agent)), request)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Publishes a call event.
    func callEvent(
        _ call: String, _ type: CallEvent.EventType, agent: String, direction: CallDirection = .queue, queue: String? = "q1"
    ) async throws {
        let event = CallEvent(
            callId: try CallID(call), type: type, direction: direction, agentId: try AgentID(agent),
            queueId: direction == .queue ? try queue.map { try QueueID($0) } : nil)
        try await send(.callEvent(try CallID(call)), event)
    }

    /// An inbox of every retained status (as the broker holds them now, then live).
    func statuses() async throws -> Inbox {
        Inbox(try await client.subscribe(to: [Topic.Filter.agentStatus]))
    }

    /// The retained status of `agent`, read by a fresh subscription.
    func retainedStatus(_ agent: String) async throws -> AgentStatus {
        let inbox = Inbox(try await client.subscribe(to: [Topic.agentStatus(try AgentID(agent)).filter]))
        return try codec.decode(AgentStatus.self, from: try await inbox.next(timeout: .seconds(5)).payload)
    }

    /// Waits for the next status of `agent` in `inbox` that satisfies `condition`.
    func status(
        of agent: String, in inbox: Inbox, timeout: Duration = .seconds(10), where condition: (AgentStatus) -> Bool
    ) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await inbox.next(timeout: max(.milliseconds(1), deadline - .now))
            guard message.topic == Topic.agentStatus(try AgentID(agent)).name else { continue }
            let status = try codec.decode(AgentStatus.self, from: message.payload)
            if condition(status) { return status }
        }
    }
}

/// Runs `body` with a broker, a connected test client, and the data directory a status
/// service under test uses.
func withBus(_ body: (Bus, Broker, URL) async throws -> Void) async throws {
    try await withBroker { broker in
        try await withClient(broker.clientConfiguration()) { client in
            try await body(Bus(client: client), broker, broker.directory.appendingPathComponent("status-data"))
        }
    }
}

/// Runs `body` with a broker, a test client and a started status service (stopped afterwards).
func withStatusService(
    options: [String] = [], _ body: (Bus, StatusServiceProcess, Broker) async throws -> Void
) async throws {
    try await withBus { bus, broker, data in
        let service = try await StatusServiceProcess.start(
            broker: broker, dataDirectory: data, observer: bus.client, options: options)
        defer { service.stop() }
        try await body(bus, service, broker)
    }
}
