import Foundation
public import Logging
import Synchronization
public import MQTT
public import Messages

/// Plays a ``SimulationPlan`` over MQTT against the running services: the telephony
/// platform (``Telephony``) and the agents, whose clients log in, go ready, withdraw with
/// reasons and log out on their shifts, keeping a retained `agent/{id}/connection` with a
/// will. Prints a live one-line summary; ``run(until:)`` returns the final figures.
public final class Simulator: Sendable {
    /// Up to this many agents, each has an MQTT connection of its own with a will on its
    /// `agent/{id}/connection`, as real agent clients do; more share the simulator's.
    public static let ownConnectionLimit = 100

    public let plan: SimulationPlan
    private let mqtt: MQTTConfiguration
    private let defineQueues: Bool
    private let summaryInterval: Duration
    private let output: @Sendable (String) -> Void
    private let logger: Logger
    public let tally: SimulationTally
    /// Makes this run's call and command ids unique: a repeated run does not collide with
    /// what the services remember of the last one.
    private let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    /// Queue calls per minute now (``setCallsPerMinute(_:)``); the plan's gaps are scaled to it.
    private let callsPerMinute: Mutex<Double>

    /// `mqtt`: the broker and credentials; each connection gets its own client id.
    /// `output`: where the summary lines go (stdout in `cc-sim`).
    public init(
        plan: SimulationPlan, mqtt: MQTTConfiguration, defineQueues: Bool = true, summaryInterval: Duration = .seconds(1),
        logger: Logger, output: @escaping @Sendable (String) -> Void
    ) {
        self.plan = plan
        self.mqtt = mqtt
        self.defineQueues = defineQueues
        self.summaryInterval = summaryInterval
        self.logger = logger
        self.output = output
        tally = SimulationTally(agents: plan.agents, queues: plan.queues.map(\.queueId))
        callsPerMinute = Mutex(plan.settings.callsPerMinute)
    }

    /// Changes the queue call rate from the next arrival on (a load benchmark raises it
    /// step by step). The arrivals keep the plan's pattern, closer together or further apart.
    public func setCallsPerMinute(_ rate: Double) {
        callsPerMinute.withLock { $0 = max(0, rate) }
    }

    /// Runs until `stop` returns (a duration, Ctrl-C), then ends the calls in progress, logs
    /// the agents out and returns the figures.
    public func run(until stop: @escaping @Sendable () async -> Void) async throws -> SimulationTally.Counts {
        let started = ContinuousClock.now
        var main = mqtt
        main.clientID = "cc-sim-\(runTag)"
        let client = try MQTTClient(configuration: main, logger: logger)
        let ownConnections = plan.agents.count <= Self.ownConnectionLimit
        let agentClients: [AgentID: MQTTClient] = ownConnections
            ? try Dictionary(uniqueKeysWithValues: plan.agents.map { ($0, try agentClient($0)) }) : [:]
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            for agentClient in agentClients.values { group.addTask { try await agentClient.run() } }
            defer { group.cancelAll() }

            let telephony = Telephony(plan: plan, client: client, tally: tally, runTag: runTag, logger: logger)
            try await observe(client, telephony: telephony, group: &group)
            if defineQueues {
                for definition in plan.queues {
                    try await client.publish(
                        Topic.configQueue(definition.queueId).name, payload: try MessageCodec().encode(definition), retain: true,
                        waitForAcknowledgement: true)
                }
            }
            // The run's own tasks: they end when it stops.
            let work = Task {
                await withTaskGroup(of: Void.self) { work in
                    for (index, agentId) in plan.agents.enumerated() {
                        let desk = AgentDesk(
                            agentId: agentId, shift: plan.shift(ofAgent: index), client: agentClients[agentId] ?? client,
                            ownConnection: ownConnections, runTag: runTag, logger: logger)
                        work.addTask { await desk.work() }
                    }
                    work.addTask { await self.arrivals(telephony) }
                    work.addTask { await self.otherCalls(.direct, telephony) }
                    work.addTask { await self.otherCalls(.outbound, telephony) }
                    work.addTask { await self.summaries(since: started) }
                }
            }
            await stop()
            work.cancel()
            await work.value
            await telephony.hangUpAll()
            // Let the last commands and events reach the broker before the connections close.
            try? await client.publish("cc-sim/\(runTag)/done", payload: [], waitForAcknowledgement: true)
            for agentClient in agentClients.values {
                try? await agentClient.publish("cc-sim/\(runTag)/done", payload: [], waitForAcknowledgement: true)
            }
            let counts = tally.counts
            output(SimulationTally.report(counts, elapsed: .now - started))
            return counts
        }
    }

    /// Subscribes to what the telephony obeys and the summary shows, and consumes it.
    private func observe(_ client: MQTTClient, telephony: Telephony, group: inout ThrowingTaskGroup<Void, any Error>) async throws {
        let codec = MessageCodec()
        let routes = try await client.subscribe(to: [Topic.Filter.callRoute, Topic.Filter.callOverflow])
        let observed = try await client.subscribe(to: [Topic.Filter.agentStatus, Topic.Filter.queueState, "error/#"])
        group.addTask {
            for await message in routes {
                if message.topic.hasSuffix("/route"), let route = try? codec.decode(CallRoute.self, from: message.payload) {
                    await telephony.route(route)
                } else if let overflow = try? codec.decode(CallOverflow.self, from: message.payload) {
                    await telephony.overflow(overflow)
                }
            }
        }
        group.addTask { [tally] in
            for await message in observed where !message.payload.isEmpty {
                if message.topic.hasPrefix("error/") {
                    tally.count { $0.errors += 1 }
                } else if message.topic.hasSuffix("/status"), let status = try? codec.decode(AgentStatus.self, from: message.payload) {
                    tally.status(status)
                } else if let state = try? codec.decode(QueueState.self, from: message.payload) {
                    tally.queueState(state)
                }
            }
        }
    }

    private func agentClient(_ agentId: AgentID) throws -> MQTTClient {
        var configuration = mqtt
        configuration.clientID = "cc-sim-\(agentId)-\(runTag)"
        configuration.will = MQTTConfiguration.Will(
            topic: Topic.agentConnection(agentId).name,
            payload: (try? MessageCodec().encode(AgentConnection(state: .offline, clientId: try ClientID("cc-sim-\(agentId)")))) ?? [])
        return try MQTTClient(configuration: configuration, logger: logger)
    }

    private func arrivals(_ telephony: Telephony) async {
        var number = 1
        let planned = plan.settings.callsPerMinute
        while !Task.isCancelled {
            let rate = callsPerMinute.withLock { $0 }
            guard rate > 0 else {
                guard (try? await Task.sleep(for: .milliseconds(200))) != nil else { return }
                continue
            }
            // The plan's gap, at the rate asked now.
            let gap = planned > 0 ? Double(plan.arrivalGapMs(before: number)) * planned / rate : 60_000 / rate
            guard (try? await Task.sleep(for: .microseconds(Int(gap * 1000)))) != nil else { return }
            await telephony.arrive(number)
            number += 1
        }
    }

    private func otherCalls(_ direction: CallDirection, _ telephony: Telephony) async {
        var number = 1
        while !Task.isCancelled {
            let call = plan.otherCall(direction, number)
            guard call.gapMs < .max, (try? await Task.sleep(for: .milliseconds(call.gapMs))) != nil else { return }
            await telephony.otherCall(
                direction, number, agent: plan.agents[call.agentIndex], answerAfterMs: plan.settings.meanAnswerDelayMs, talkMs: call.talkMs)
            number += 1
        }
    }

    private func summaries(since started: ContinuousClock.Instant) async {
        while (try? await Task.sleep(for: summaryInterval)) != nil {
            output(SimulationTally.line(tally.counts, elapsed: .now - started))
        }
    }
}

/// One simulated agent and its client: logs in, goes ready, withdraws on its shift, logs
/// out at the end.
struct AgentDesk: Sendable {
    let agentId: AgentID
    let shift: SimulationPlan.Shift
    let client: MQTTClient
    /// Whether `client` is this agent's own (its will then reports it offline).
    let ownConnection: Bool
    let runTag: String
    let logger: Logger

    func work() async {
        guard (try? await Task.sleep(for: .milliseconds(shift.loginAfterMs))) != nil else { return }
        await connection(.online)
        var number = 0
        func command(_ action: AgentCommand.Action, _ presence: Presence? = nil, _ reason: ReasonID? = nil) async {
            number += 1
            let command = AgentCommand(
                commandId: try! CommandID("sim-\(runTag)-\(number)"), action: action, presence: presence, reason: reason)
            await send(Topic.agentCommand(agentId), command)
        }
        await command(.login)
        await command(.setPresence, .ready)
        for entry in shift.breaks {
            guard (try? await Task.sleep(for: .milliseconds(entry.readyForMs))) != nil else { break }
            await command(.setPresence, .withdrawn, entry.reason)
            guard (try? await Task.sleep(for: .milliseconds(entry.forMs))) != nil else { break }
            await command(.setPresence, .ready)
        }
        await command(.logout)
        await connection(.offline)
    }

    private func connection(_ state: AgentConnection.State) async {
        let payload = AgentConnection(state: state, clientId: try! ClientID(ownConnection ? "cc-sim-\(agentId)" : "cc-sim"), at: .now)
        do {
            try await client.publish(Topic.agentConnection(agentId).name, payload: try MessageCodec().encode(payload), retain: true)
        } catch {
            logger.warning("cannot publish", metadata: ["agent": "\(agentId)", "error": "\(error)"])
        }
    }

    private func send(_ topic: Topic, _ payload: some Payload) async {
        do {
            try await client.publish(topic.name, payload: try MessageCodec().encode(payload))
        } catch {
            logger.warning("cannot publish", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
        }
    }
}
