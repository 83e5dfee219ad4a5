import MQTT
import Messages

/// The agents `cc-bench status` loads into the status service, and what it has seen of them.
///
/// It sends `set-presence` commands on `agent/{id}/command`, alternating `ready` and
/// `withdrawn` so that every command changes the agent's state, and watches one subscription
/// to `agent/+/status` and the service's presence. A command is complete when its agent's
/// snapshot arrives; each snapshot must carry the version after the last one seen. The agent
/// ids carry a random tag, so retained statuses of other runs on the same broker are ignored.
///
/// The measuring loops run on the client's network executor, as a service's hot path does,
/// and wait for messages without a time-out: `nextBatch(timeout:)` starts a timer task per
/// wait (a thread wake-up in every round trip), and can return `[]` early (the cancelled
/// timer of an earlier wait still wakes the buffer). The ``Heartbeat`` ends a wait when
/// nothing else arrives, so that a lost snapshot is noticed.
struct AgentFleet {
    /// Snapshots that arrived with a version other than the one expected (a lost or
    /// repeated change), including re-published ones after a restart.
    private(set) var unexpectedVersions = 0
    /// Bytes of the last snapshot seen: the raw baseline uses the same payload size.
    private(set) var snapshotBytes = 0
    /// Agents loaded so far: agents `0..<loaded` exist in the service.
    private(set) var loaded = 0

    private let client: MQTTClient
    private let messages: MQTTSubscription
    private let presenceTopic: String
    private let heartbeatTopic: String
    private let codec = MessageCodec()
    private let commandTopics: [String]
    private let statusTopics: [String]
    private let agentByStatusTopic: [String: Int]
    /// Per agent: the last version seen (0: none yet), commands sent whose snapshot has not
    /// arrived, and whether the last command sent set `ready` (so the next one withdraws).
    private var versions: [Int]
    private var pending: [Int]
    private var ready: [Bool]
    private var commandsSent = 0
    /// The service's last presence, and when it arrived.
    private var presence: (state: ServicePresence.State, at: ContinuousClock.Instant)?
    /// Per agent: whether its snapshot was re-published since ``expectRestart()``.
    private var republished: [Bool]
    private var republishedCount = 0

    /// The reason of the `withdrawn` commands: agent-selectable in the standard catalogue.
    static let withdrawReason = "break"

    /// Subscribes `client` to every agent's status, to `presenceTopic` (the service's
    /// `service/status-service/{instance}`) and to the heartbeat, for up to `capacity` agents.
    init(client: MQTTClient, capacity: Int, presenceTopic: String) async throws {
        self.client = client
        self.presenceTopic = presenceTopic
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        heartbeatTopic = "bench/status-\(tag)/heartbeat"
        let agents = try (0..<capacity).map { try AgentID("bench-\(tag)-\($0)") }
        commandTopics = agents.map { Topic.agentCommand($0).name }
        statusTopics = agents.map { Topic.agentStatus($0).name }
        agentByStatusTopic = Dictionary(uniqueKeysWithValues: statusTopics.enumerated().map { ($1, $0) })
        versions = Array(repeating: 0, count: capacity)
        pending = Array(repeating: 0, count: capacity)
        ready = Array(repeating: false, count: capacity)
        republished = Array(repeating: false, count: capacity)
        messages = try await client.subscribe(to: [
            Topic.Filter.agentStatus, TopicFilter(stringLiteral: presenceTopic), TopicFilter(stringLiteral: heartbeatTopic),
        ])
    }

    /// Publishes on the fleet's heartbeat topic every 250 ms until cancelled, so that a wait
    /// for messages ends even when the service sends nothing.
    struct Heartbeat: Sendable {
        let client: MQTTClient
        let topic: String

        func run() async throws {
            while !Task.isCancelled {
                try? await client.publish(topic, payload: [], qos: .atMostOnce)
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// The heartbeat to run beside the measurements.
    var heartbeat: Heartbeat { Heartbeat(client: client, topic: heartbeatTopic) }

    /// What one pipelined series of commands gave.
    struct Pipelined {
        /// Commands whose snapshot arrived.
        var seen: Int
        /// Commands sent whose snapshot never arrived.
        var lost: Int
        /// From the first command sent to the last snapshot seen.
        var elapsed: Duration

        /// Completed commands per second.
        var rate: Double { Double(seen) / (elapsed / .seconds(1)) }
    }

    /// Creates agents `loaded..<total` with one `set-presence ready` each, `window` in flight.
    mutating func load(upTo total: Int, window: Int, stall: Duration) async throws -> Pipelined {
        let first = loaded
        let result = try await pipeline(count: total - first, window: window, stall: stall) { first + $0 }
        loaded = total
        return result
    }

    /// Sends `count` commands, the n-th to agent `agent(n)`, keeping `window` of them in flight:
    /// each snapshot seen lets the next command go. Ends when every snapshot has arrived or
    /// none has for `stall`; what is missing then is lost.
    mutating func pipeline(count: Int, window: Int, stall: Duration, agent: (Int) -> Int) async throws -> Pipelined {
        try await withTaskExecutorPreference(client.networkExecutor) {
            var sent = 0
            var seen = 0
            let start = ContinuousClock.now
            var last = start
            while sent < min(window, count) {
                try await send(to: agent(sent))
                sent += 1
            }
            while seen < count {
                let batch = try await next(stall: stall)
                if batch.isEmpty { break }
                for message in batch where take(message) != nil {
                    seen += 1
                    last = .now
                    if sent < count {
                        try await send(to: agent(sent))
                        sent += 1
                    }
                }
            }
            writeOffPending()
            return Pipelined(seen: seen, lost: sent - seen, elapsed: last - start)
        }
    }

    /// `count` sequential round trips (after ``RoundTrips/warmUp`` left out), each a command to
    /// a random loaded agent and the wait for its snapshot; also how many never arrived
    /// within `stall`.
    mutating func roundTrips(count: Int, stall: Duration) async throws -> (roundTrips: RoundTrips, lost: Int) {
        try await withTaskExecutorPreference(client.networkExecutor) {
            var samples: [UInt64] = []
            samples.reserveCapacity(count)
            var lost = 0
            for round in 0..<(count + RoundTrips.warmUp) {
                let agent = Int.random(in: 0..<loaded)
                let command = try command(for: agent)
                let start = ContinuousClock.now
                try await publish(command, to: agent)
                var arrived: ContinuousClock.Instant?
                while arrived == nil {
                    let batch = try await next(stall: stall)
                    let now = ContinuousClock.now
                    if batch.isEmpty {
                        lost += 1
                        writeOffPending()
                        break
                    }
                    for message in batch where take(message) == agent { arrived = now }
                }
                if let arrived, round >= RoundTrips.warmUp {
                    samples.append(UInt64((arrived - start) / .nanoseconds(1)))
                }
            }
            return (RoundTrips(nanoseconds: samples), lost)
        }
    }

    /// Waits up to `timeout` (and while `alive` holds) for the service's presence to become
    /// `state`; returns whether it did.
    mutating func awaitPresence(
        _ state: ServicePresence.State, timeout: Duration, while alive: () -> Bool = { true }
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while presence?.state != state {
            guard ContinuousClock.now < deadline, alive() else { return false }
            for message in try await next(stall: .milliseconds(200)) { _ = take(message) }
        }
        return true
    }

    /// Forgets the presence and the re-published snapshots seen, before the service restarts.
    mutating func expectRestart() {
        presence = nil
        republished = Array(repeating: false, count: republished.count)
        republishedCount = 0
    }

    /// What a restart showed, timed from the service's start.
    struct Restart {
        /// Until its `online` presence: it has loaded every agent and subscribed.
        var online: Duration?
        /// Until every loaded agent's snapshot was published again.
        var republished: Duration?
        /// Loaded agents whose snapshot was published again.
        var republishedAgents: Int
    }

    /// Waits until the restarted service is online and has re-published every loaded agent's
    /// snapshot, for at most `timeout` and while `alive` holds.
    mutating func awaitRestart(since start: ContinuousClock.Instant, timeout: Duration, while alive: () -> Bool) async throws -> Restart {
        var restart = Restart(republishedAgents: 0)
        let deadline = start + timeout
        while restart.online == nil || restart.republished == nil {
            guard ContinuousClock.now < deadline, alive() else { break }
            for message in try await next(stall: .milliseconds(200)) { _ = take(message) }
            if restart.online == nil, let presence, presence.state == .online { restart.online = presence.at - start }
            if restart.republished == nil, republishedCount == loaded { restart.republished = .now - start }
        }
        restart.republishedAgents = republishedCount
        return restart
    }

    /// Clears the retained statuses of the loaded agents and the service's presence, so the
    /// broker keeps nothing of the run.
    func clearRetained() async throws {
        for topic in statusTopics.prefix(loaded) {
            try await client.publish(topic, payload: [], retain: true)
        }
        try await client.publish(presenceTopic, payload: [], retain: true, waitForAcknowledgement: true)
    }

    // MARK: Commands and snapshots

    /// Sends `agent` the command that flips its presence.
    private mutating func send(to agent: Int) async throws {
        try await publish(command(for: agent), to: agent)
    }

    /// The command that flips `agent`'s presence, encoded.
    private func command(for agent: Int) throws -> [UInt8] {
        let presence: Presence = ready[agent] ? .withdrawn : .ready
        return try codec.encode(
            AgentCommand(
                commandId: try CommandID("c\(commandsSent)"), action: .setPresence, presence: presence,
                reason: presence == .withdrawn ? try ReasonID(Self.withdrawReason) : nil))
    }

    /// Publishes `command` (from ``command(for:)``) to `agent` and awaits its snapshot.
    private mutating func publish(_ command: [UInt8], to agent: Int) async throws {
        try await client.publish(commandTopics[agent], payload: command)
        ready[agent].toggle()
        pending[agent] += 1
        commandsSent += 1
    }

    /// The next messages, or `[]` when none but heartbeats arrives within `stall`.
    private func next(stall: Duration) async throws -> [MQTTMessage] {
        let deadline = ContinuousClock.now + stall
        while true {
            guard let batch = await messages.nextBatch(maximum: 512) else {
                throw BenchmarkError("the bench's MQTT client stopped")
            }
            if batch.contains(where: { $0.topic != heartbeatTopic }) { return batch }
            if ContinuousClock.now >= deadline { return [] }
        }
    }

    /// Takes one message: a presence, an awaited snapshot (returns its agent), or a snapshot
    /// the service re-published after a restart.
    private mutating func take(_ message: MQTTMessage) -> Int? {
        if message.topic == presenceTopic {
            if let state = try? codec.decode(ServicePresence.self, from: message.payload).state {
                presence = (state, .now)
            }
            return nil
        }
        guard let agent = agentByStatusTopic[message.topic], !message.payload.isEmpty else { return nil }
        guard let version = Self.version(in: message.payload) else {
            unexpectedVersions += 1
            return nil
        }
        snapshotBytes = message.payload.count
        if pending[agent] > 0 {
            pending[agent] -= 1
            if version != versions[agent] + 1 { unexpectedVersions += 1 }
            versions[agent] = version
            return agent
        }
        if version != versions[agent] {
            unexpectedVersions += 1
        } else if !republished[agent] {
            republished[agent] = true
            republishedCount += 1
        }
        return nil
    }

    /// The snapshot's `version`, read without decoding the rest: a full `JSONDecoder` decode is
    /// the client's cost, not the service's, and the raw baseline does no such work either.
    /// (The tests check every field of the snapshots; here only the version matters.)
    static func version(in payload: [UInt8]) -> Int? {
        let key = Array(#""version":"#.utf8)
        guard payload.count > key.count else { return nil }
        var start = payload.count - key.count
        while start >= 0, !payload[start..<start + key.count].elementsEqual(key) { start -= 1 }
        guard start >= 0 else { return nil }
        var value = 0
        var index = start + key.count
        while index < payload.count, let digit = payload[index].wholeNumberDigit {
            value = value * 10 + digit
            index += 1
        }
        return index > start + key.count ? value : nil
    }

    /// Gives up on the commands still awaited (they were counted lost).
    private mutating func writeOffPending() {
        for agent in pending.indices where pending[agent] > 0 { pending[agent] = 0 }
    }
}

extension UInt8 {
    fileprivate var wholeNumberDigit: Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) ? Int(self - UInt8(ascii: "0")) : nil
    }
}
