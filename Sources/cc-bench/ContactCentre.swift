import Foundation
import MQTT
import Messages
import Synchronization

/// The contact centre `cc-bench dispatch` plays over MQTT: its agents and queues, the calls
/// arriving, and the telephony platform that answers every route at once and ends the
/// call at once. Ids carry a random tag, so retained messages of other runs are ignored.
final class ContactCentre: Sendable {
    /// One series of arrivals at a rate.
    struct Step {
        /// Arrival published → route seen, over the routed calls.
        var latency: RoundTrips
        var routed: Int
        var unrouted: Int
        /// From the first arrival to the last.
        var elapsed: Duration
        /// With `--breakdown`: arrival → reservation sent (the worker), reservation → reply
        /// (the status service), reply → route (the worker), each over the routed calls.
        var breakdown: (toReserve: RoundTrips, toReply: RoundTrips, toRoute: RoundTrips)?
    }

    private struct Calls {
        /// When each call's arrival was published (by call number).
        var sent: [ContinuousClock.Instant] = []
        /// When each call's first route was seen.
        var routed: [ContinuousClock.Instant?] = []
        var routedCount = 0
        /// With `--breakdown`: when each call's first reservation and its reply were seen.
        var reserved: [ContinuousClock.Instant?] = []
        var replied: [ContinuousClock.Instant?] = []
        var callByRequest: [RequestID: Int] = [:]
    }

    private let client: MQTTClient
    private let codec = MessageCodec()
    private let tag: String
    private let agentIds: [AgentID]
    private let queueIds: [QueueID]
    private let members: Int
    private let presences: MQTTSubscription
    private let routes: MQTTSubscription
    /// With `--breakdown`: reservations and their replies, seen on the way.
    private let steps: MQTTSubscription?
    private let presenceStates = Mutex<[String: ServicePresence.State]>([:])
    private let calls = Mutex(Calls())

    init(client: MQTTClient, tag: String, agents: Int, queues: Int, members: Int, breakdown: Bool) async throws {
        self.client = client
        self.tag = tag
        agentIds = try (0..<agents).map { try AgentID("ba-\(tag)-\($0)") }
        queueIds = try (0..<queues).map { try QueueID("bq-\(tag)-\($0)") }
        self.members = min(members, agents)
        presences = try await client.subscribe(to: [Topic.Filter.services])
        routes = try await client.subscribe(to: [Topic.Filter.callRoute])
        steps = breakdown ? try await client.subscribe(to: [Topic.Filter.agentReserve, "reply/queue-service/#"]) : nil
    }

    // MARK: Setting up

    /// Waits up to `timeout` (and while `alive` holds) for `service/{service}/{instance}` to say online.
    func awaitOnline(_ service: String, _ instance: String, timeout: Duration, while alive: () -> Bool) async throws -> Bool {
        let topic = "service/\(service)/\(instance)"
        let deadline = ContinuousClock.now + timeout
        while presenceStates.withLock({ $0[topic] }) != .online {
            guard ContinuousClock.now < deadline, alive() else { return false }
            for message in await presences.nextBatch(maximum: 64, timeout: .milliseconds(200)) ?? [] where !message.payload.isEmpty {
                let state = try? codec.decode(ServicePresence.self, from: message.payload).state
                presenceStates.withLock { $0[message.topic] = state }
            }
        }
        return true
    }

    /// Publishes every queue definition, retained: queue n has `members` consecutive agents
    /// from agent n × (agents ÷ queues), so neighbouring queues share agents.
    func defineQueues() async throws {
        let spacing = max(1, agentIds.count / queueIds.count)
        for (n, queueId) in queueIds.enumerated() {
            let definition = QueueDefinition(
                queueId: queueId, name: "Bench \(n)",
                members: (0..<members).map { .init(agentId: agentIds[(n * spacing + $0) % agentIds.count]) },
                ringTimeoutMs: 20_000, wrapUpMs: 0, waitTime1Ms: 600_000)
            try await client.publish(
                Topic.configQueue(queueId).name, payload: try codec.encode(definition), retain: true,
                waitForAcknowledgement: n == queueIds.count - 1)
        }
    }

    /// Logs every agent in (the status service runs with `--login-presence ready`), `window`
    /// commands in flight, and returns once every agent's status says routable.
    func loginAgents(window: Int) async throws {
        let statuses = try await client.subscribe(to: [Topic.Filter.agentStatus])
        let index = Dictionary(uniqueKeysWithValues: agentIds.enumerated().map { (Topic.agentStatus($1).name, $0) })
        var routable = [Bool](repeating: false, count: agentIds.count)
        var ready = 0
        var sent = 0
        let marker = Array(#""routable":true"#.utf8)
        while ready < agentIds.count {
            while sent < agentIds.count, sent - ready < window {
                let login = AgentCommand(commandId: try CommandID("login-\(tag)"), action: .login)
                try await client.publish(Topic.agentCommand(agentIds[sent]).name, payload: try codec.encode(login))
                sent += 1
            }
            guard let batch = await statuses.nextBatch(maximum: 512, timeout: .seconds(30)), !batch.isEmpty else {
                throw BenchmarkError("logging agents in: \(ready) of \(agentIds.count) ready, then nothing for 30 s")
            }
            for message in batch {
                guard let agent = index[message.topic], !routable[agent], message.payload.firstRange(of: marker) != nil else { continue }
                routable[agent] = true
                ready += 1
            }
        }
    }

    // MARK: Calls

    /// The telephony platform: answers each route at once and ends the call at once. Runs
    /// until cancelled.
    func telephony() async throws {
        let prefix = "call/bc-\(tag)-"
        while let batch = await routes.nextBatch(maximum: 512) {
            let now = ContinuousClock.now
            for message in batch where message.topic.hasPrefix(prefix) {
                guard let number = Int(message.topic.dropFirst(prefix.count).prefix { $0 != "/" }),
                    let route = try? codec.decode(CallRoute.self, from: message.payload)
                else { continue }
                let first = calls.withLock { calls -> Bool in
                    guard calls.routed.indices.contains(number), calls.routed[number] == nil else { return false }
                    calls.routed[number] = now
                    calls.routedCount += 1
                    return true
                }
                guard first else { continue }
                for type in [CallEvent.EventType.answered, .ended] {
                    let event = CallEvent(
                        callId: route.callId, type: type, direction: .queue, agentId: route.agentId, queueId: route.queueId,
                        offerId: type == .answered ? route.offerId : nil)
                    try await client.publish(Topic.callEvent(route.callId).name, payload: try codec.encode(event))
                }
            }
        }
    }

    /// With `--breakdown`: notes when each call's reservation and its reply pass. Runs until cancelled.
    func observeSteps() async throws {
        guard let steps else { return }
        let prefix = "bc-\(tag)-"
        while let batch = await steps.nextBatch(maximum: 512) {
            let now = ContinuousClock.now
            for message in batch {
                if message.topic.hasSuffix("/reserve") {
                    guard let request = try? codec.decode(ReserveRequest.self, from: message.payload),
                        request.callId.value.hasPrefix(prefix), let number = Int(request.callId.value.dropFirst(prefix.count))
                    else { continue }
                    calls.withLock { calls in
                        guard calls.reserved.indices.contains(number) else { return }
                        calls.callByRequest[request.requestId] = number
                        if calls.reserved[number] == nil { calls.reserved[number] = now }
                    }
                } else if let reply = try? codec.decode(Reply.self, from: message.payload), case .request(let id) = reply.correlation {
                    calls.withLock { calls in
                        guard let number = calls.callByRequest.removeValue(forKey: id), calls.replied[number] == nil else { return }
                        calls.replied[number] = now
                    }
                }
            }
        }
    }

    /// Publishes `count` arrivals in random queues at `rate` per second, then waits until
    /// every one is routed or `grace` has passed since the last.
    func arrivals(rate: Int, count: Int, grace: Duration = .seconds(1)) async throws -> Step {
        let first = calls.withLock { calls -> Int in
            let first = calls.sent.count
            calls.sent.append(contentsOf: repeatElement(.now, count: count))
            calls.routed.append(contentsOf: repeatElement(nil, count: count))
            calls.reserved.append(contentsOf: repeatElement(nil, count: count))
            calls.replied.append(contentsOf: repeatElement(nil, count: count))
            return first
        }
        let start = ContinuousClock.now
        for i in 0..<count {
            let due = start + .seconds(Double(i) / Double(rate))
            if due > .now { try await Task.sleep(until: due) }
            let number = first + i
            let callId = try CallID("bc-\(tag)-\(number)")
            let queueId = queueIds[Int.random(in: 0..<queueIds.count)]
            let payload = try codec.encode(EnqueueRequest(callId: callId))
            calls.withLock { $0.sent[number] = .now }
            try await client.publish(Topic.queueEnqueue(queueId).name, payload: payload)
        }
        let last = ContinuousClock.now
        while ContinuousClock.now < last + grace, routed(first..<(first + count)) < count {
            try await Task.sleep(for: .milliseconds(5))
        }
        return calls.withLock { calls in
            let samples = (first..<(first + count)).compactMap { number in
                calls.routed[number].map { UInt64(($0 - calls.sent[number]) / .nanoseconds(1)) }
            }
            func spread(_ from: [ContinuousClock.Instant?], _ to: [ContinuousClock.Instant?]) -> RoundTrips {
                let samples = (first..<(first + count)).compactMap { number -> UInt64? in
                    guard let start = from[number], let end = to[number], end >= start else { return nil }
                    return UInt64((end - start) / .nanoseconds(1))
                }
                return samples.isEmpty ? RoundTrips(p50: .nan, p99: .nan) : RoundTrips(nanoseconds: samples)
            }
            let sent = calls.sent.map { Optional($0) }
            return Step(
                latency: samples.isEmpty ? RoundTrips(p50: .nan, p99: .nan) : RoundTrips(nanoseconds: samples),
                routed: samples.count, unrouted: count - samples.count, elapsed: last - start,
                breakdown: steps == nil
                    ? nil : (spread(sent, calls.reserved), spread(calls.reserved, calls.replied), spread(calls.replied, calls.routed)))
        }
    }

    private func routed(_ numbers: Range<Int>) -> Int {
        calls.withLock { calls in numbers.reduce(0) { $0 + (calls.routed[$1] == nil ? 0 : 1) } }
    }

    /// Waits until every call sent so far is routed, for at most `timeout`.
    func drain(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, calls.withLock({ $0.routedCount < $0.sent.count }) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Clears what the run left retained on the broker: queue definitions and states, agent
    /// statuses, presences.
    func clearRetained() async throws {
        for queueId in queueIds {
            try await client.publish(Topic.configQueue(queueId).name, payload: [], retain: true)
            try await client.publish(Topic.queueState(queueId).name, payload: [], retain: true)
        }
        for agentId in agentIds {
            try await client.publish(Topic.agentStatus(agentId).name, payload: [], retain: true)
        }
        for topic in presenceStates.withLock({ Array($0.keys) }) where topic.contains(tag) {
            try await client.publish(topic, payload: [], retain: true)
        }
        try await client.publish("bench/\(tag)/done", payload: [], waitForAcknowledgement: true)
    }
}
