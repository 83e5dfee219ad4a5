public import Messages

/// How big and how busy the simulated contact centre is (`cc-sim`'s options).
public struct SimulationSettings: Sendable, Hashable {
    public var agents = 24
    public var queues = 4
    /// Queue calls arriving per minute, over all queues (a Poisson process).
    public var callsPerMinute = 20.0
    /// Direct calls (to one agent) and outbound calls (by one agent) per minute.
    public var directCallsPerMinute = 1.0
    public var outboundCallsPerMinute = 1.0
    /// How long an agent takes to answer a ringing call, on average.
    public var meanAnswerDelayMs = 3_000
    /// How long a call lasts once answered, on average.
    public var meanTalkMs = 30_000
    /// The share of offers an agent declines, and lets ring out.
    public var declineRate = 0.03
    public var noAnswerRate = 0.05
    /// How long a caller waits before hanging up, on average.
    public var meanPatienceMs = 90_000
    /// Time between an agent's withdrawals (breaks, lunch, training), and their length, on average.
    public var meanTimeBetweenBreaksMs = 240_000
    public var meanBreakMs = 30_000
    /// Agents log in over this long at the start.
    public var loginSpreadMs = 5_000
    /// The queues' timers.
    public var ringTimeoutMs = 15_000
    public var wrapUpMs = 5_000
    public var waitTime1Ms = 60_000
    public var waitTime2Ms: Int? = 30_000
    public var seed: UInt64 = 1
    /// Calls spread evenly over the queues (a load benchmark); otherwise the first queues get
    /// most of them, as in a real centre.
    public var evenQueues = false

    public init() {}
}

/// The simulated contact centre, decided by the settings and the seed alone: its agents,
/// its queues and their members, when calls arrive and how each goes for the caller and
/// the agents. The same seed gives the same plan; the run's outcome also depends on the
/// services' timing.
public struct SimulationPlan: Sendable {
    public let settings: SimulationSettings
    public let agents: [AgentID]
    public let queues: [QueueDefinition]

    /// The names of the first queues; more are `queue-5`, `queue-6`…
    static let queueNames = ["sales", "support", "billing", "retention"]
    /// The reasons agents withdraw with, and how likely each is.
    static let breakReasons: [(reason: String, weight: Double)] = [("break", 0.5), ("lunch", 0.2), ("training", 0.15), ("meeting", 0.15)]

    public init(settings: SimulationSettings) {
        self.settings = settings
        let agentCount = max(1, settings.agents)
        let digits = String(agentCount).count
        agents = (1...agentCount).map { number in
            let text = String(number)
            return try! AgentID("agent-" + String(repeating: "0", count: max(0, digits - text.count)) + text)
        }
        let queueCount = max(1, settings.queues)
        let queueIds = (0..<queueCount).map { index in
            try! QueueID(index < Self.queueNames.count ? Self.queueNames[index] : "queue-\(index + 1)")
        }
        // Every agent serves one queue, a third of them a second one too.
        var members: [[QueueDefinition.Member]] = Array(repeating: [], count: queueCount)
        for (index, agent) in agents.enumerated() {
            var random = SeededRandom(seed: settings.seed, stream: 1, index: UInt64(index))
            let first = index % queueCount
            members[first].append(.init(agentId: agent, priority: 1))
            if queueCount > 1, random.chance(1.0 / 3.0) {
                let second = (first + 1 + Int(random.next() % UInt64(queueCount - 1))) % queueCount
                members[second].append(.init(agentId: agent, priority: 2))
            }
        }
        let strategies: [QueueDefinition.Strategy] = [.longestIdle, .roundRobin, .fewestCalls, .priority]
        queues = queueIds.enumerated().map { index, queueId in
            QueueDefinition(
                queueId: queueId, name: queueId.value.prefix(1).uppercased() + queueId.value.dropFirst(),
                members: members[index], strategy: strategies[index % strategies.count],
                ringTimeoutMs: settings.ringTimeoutMs, wrapUpMs: settings.wrapUpMs, waitTime1Ms: settings.waitTime1Ms,
                waitTime2Ms: settings.waitTime2Ms,
                // The first queue overflows into the second; the others to voicemail.
                overflowTarget: index == 0 && queueCount > 1 ? .queue(queueIds[1]) : .external("voicemail"))
        }
    }

    // MARK: Calls

    /// One queue call as the plan has it.
    public struct Call: Sendable, Hashable {
        public var queueId: QueueID
        /// 0 mostly, 1 for a few callers.
        public var priority: Int
        /// The caller hangs up after waiting this long unanswered.
        public var patienceMs: Int
        /// Once answered, the call lasts this long.
        public var talkMs: Int
        /// Sent as the enqueue's `caller`.
        public var caller: String
    }

    /// What an agent does with one offer of a call.
    public enum OfferOutcome: Sendable, Hashable {
        case answer(afterMs: Int)
        case decline(afterMs: Int)
        /// Lets it ring until the ring timeout.
        case noAnswer
    }

    /// The gap before arrival number `number` (from the previous one, or the start).
    public func arrivalGapMs(before number: Int) -> Int {
        guard settings.callsPerMinute > 0 else { return .max }
        var random = SeededRandom(seed: settings.seed, stream: 2, index: UInt64(number))
        return random.exponential(meanMs: 60_000 / settings.callsPerMinute)
    }

    /// Call number `number`.
    public func call(_ number: Int) -> Call {
        var random = SeededRandom(seed: settings.seed, stream: 3, index: UInt64(number))
        // Queues are not equally busy: the first gets the most calls (unless asked for even load).
        let weights = queues.indices.map { settings.evenQueues ? 1.0 : 1.0 / Double($0 + 1) }
        var pick = random.unit() * weights.reduce(0, +)
        var index = 0
        while index < weights.count - 1, pick >= weights[index] {
            pick -= weights[index]
            index += 1
        }
        return Call(
            queueId: queues[index].queueId, priority: random.chance(0.1) ? 1 : 0,
            patienceMs: random.exponential(meanMs: Double(settings.meanPatienceMs)),
            talkMs: max(1_000, random.exponential(meanMs: Double(settings.meanTalkMs))),
            caller: "+4930" + String(1_000_000 + Int(random.next() % 9_000_000)))
    }

    /// How the `attempt`-th offer (from 1) of call `number` goes.
    public func offer(ofCall number: Int, attempt: Int) -> OfferOutcome {
        var random = SeededRandom(seed: settings.seed, stream: 4, index: UInt64(number) << 8 | UInt64(min(attempt, 255)))
        let draw = random.unit()
        let delay = min(random.around(settings.meanAnswerDelayMs), max(0, settings.ringTimeoutMs - 500))
        if draw < settings.declineRate { return .decline(afterMs: delay) }
        if draw < settings.declineRate + settings.noAnswerRate { return .noAnswer }
        return .answer(afterMs: delay)
    }

    /// A direct or outbound call: the gap before number `number` of its kind, and how long it lasts.
    public func otherCall(_ direction: CallDirection, _ number: Int) -> (gapMs: Int, agentIndex: Int, talkMs: Int) {
        let rate = direction == .outbound ? settings.outboundCallsPerMinute : settings.directCallsPerMinute
        var random = SeededRandom(seed: settings.seed, stream: direction == .outbound ? 5 : 6, index: UInt64(number))
        let gap = rate > 0 ? random.exponential(meanMs: 60_000 / rate) : .max
        return (gap, Int(random.next() % UInt64(agents.count)), max(1_000, random.exponential(meanMs: Double(settings.meanTalkMs))))
    }

    // MARK: Agents

    /// One agent's day: when it logs in, and its withdrawals (after how long ready, with
    /// which reason, for how long), in order.
    public struct Shift: Sendable, Hashable {
        public var loginAfterMs: Int
        public var breaks: [(readyForMs: Int, reason: ReasonID, forMs: Int)]

        public static func == (lhs: Shift, rhs: Shift) -> Bool {
            lhs.loginAfterMs == rhs.loginAfterMs && lhs.breaks.count == rhs.breaks.count
                && zip(lhs.breaks, rhs.breaks).allSatisfy { $0.readyForMs == $1.readyForMs && $0.reason == $1.reason && $0.forMs == $1.forMs }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(loginAfterMs)
            for entry in breaks {
                hasher.combine(entry.readyForMs)
                hasher.combine(entry.reason)
                hasher.combine(entry.forMs)
            }
        }
    }

    /// Agent `index`'s shift, with as many breaks as fit in `lengthMs`.
    public func shift(ofAgent index: Int, lengthMs: Int = 8 * 3_600_000) -> Shift {
        var random = SeededRandom(seed: settings.seed, stream: 7, index: UInt64(index))
        let login = Int(random.unit() * Double(settings.loginSpreadMs))
        var breaks: [(readyForMs: Int, reason: ReasonID, forMs: Int)] = []
        var elapsed = login
        while elapsed < lengthMs, breaks.count < 1_000 {
            let ready = random.exponential(meanMs: Double(settings.meanTimeBetweenBreaksMs))
            let length = max(1_000, random.around(settings.meanBreakMs))
            var pick = random.unit()
            var reason = Self.breakReasons[0].reason
            for entry in Self.breakReasons {
                if pick < entry.weight { reason = entry.reason; break }
                pick -= entry.weight
            }
            breaks.append((ready, try! ReasonID(reason), length))
            elapsed += ready + length
        }
        return Shift(loginAfterMs: login, breaks: breaks)
    }
}
