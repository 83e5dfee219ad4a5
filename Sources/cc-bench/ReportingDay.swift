import Foundation
import Messages

/// The day `cc-bench reporting` replays: the statuses and queue events of `agents` agents in
/// `queues` queues over the 24 hours ending at `end`, made from `seed` alone (the same seed
/// gives the same day, but for the run's tag in the ids and the end time), encoded once with
/// the project's codec and kept in one byte arena, in time order.
///
/// Each agent is a member of 1–3 queues and works one shift (`shiftHours`, starting at a
/// random hour of the day, the last ones still running at `end`): it logs in (unavailable),
/// turns ready, takes queue calls (ringing → on-call → wrap-up → idle, each a new status
/// with the version after the last), withdraws for two breaks, lunch and sometimes training,
/// and logs out (`unavailable/logged-out`). The gaps between calls are drawn so that a ready
/// agent takes about `callsPerHour` calls an hour. Each answered call gives its queue
/// `enqueued`, `agent-offered` and `connected` events at the times of the agent's statuses;
/// beside them, queues get calls that are `abandoned` or `overflowed` (wait time 1, or wait
/// time 2 in the queues that have one). Nothing after `end` is kept.
struct ReportingDay {
    struct Settings {
        var agents: Int
        var queues: Int
        var callsPerHour: Double
        var shiftHours: Double
        var seed: UInt64
        /// The day is the 24 hours before this.
        var end: Timestamp
        /// In every id, so that retained messages of other runs are told apart.
        var tag: String
    }

    /// One message: where its topic and payload are, and when it happened.
    struct Message {
        var at: Int64
        var offset: Int
        var length: Int32
        var topic: Int32
    }

    /// What the day holds, by kind.
    struct Counts {
        var statuses = 0
        var queueEvents = 0
        var shifts = 0
        var loggedOut = 0
        var withdrawals = 0
        var answered = 0
        var enqueued = 0
        var abandoned = 0
        var overflowedWaitTime1 = 0
        var overflowedWaitTime2 = 0
        var overflowed: Int { overflowedWaitTime1 + overflowedWaitTime2 }
        /// The agent with the most statuses.
        var busiestAgent = 0
    }

    let settings: Settings
    let start: Timestamp
    let agentIds: [AgentID]
    let queueIds: [QueueID]
    let definitions: [QueueDefinition]
    /// Topics by number: each agent's status topic, then each queue's event topic.
    let topics: [String]
    /// Whether the topic of that number is published retained (the statuses).
    let retained: [Bool]
    /// In time order (ties in the order they were made, so an agent's versions rise).
    private(set) var messages: [Message] = []
    private(set) var arena: [UInt8] = []
    private(set) var counts = Counts()

    var count: Int { messages.count }
    var payloadBytes: Int { arena.count }

    func payload(_ message: Message) -> [UInt8] {
        Array(arena[message.offset..<(message.offset + Int(message.length))])
    }

    /// Withdrawal reasons of the default catalogue the shifts use.
    private static let breakReason = try! ReasonID("break")
    private static let lunchReason = try! ReasonID("lunch")
    private static let trainingReason = try! ReasonID("training")
    /// What a logout leaves (the status service's `unavailable/logged-out`).
    private static let loggedOutReason = try! ReasonID("logged-out")

    init(_ settings: Settings) throws {
        self.settings = settings
        start = settings.end.advanced(byMilliseconds: -86_400_000)
        var random = SeededRandom(seed: settings.seed)
        let agentIds = try (0..<settings.agents).map { try AgentID("ra-\(settings.tag)-\($0)") }
        let queueIds = try (0..<settings.queues).map { try QueueID("rq-\(settings.tag)-\($0)") }
        self.agentIds = agentIds
        self.queueIds = queueIds
        // Each agent is a member of its own queue (agent n of queue n mod queues, so every
        // queue has members) and of up to two more at random.
        var membership: [[Int]] = []
        var members = [[Int]](repeating: [], count: settings.queues)
        for agent in 0..<settings.agents {
            var queues = [agent % settings.queues]
            let extra = min(Int(random.next() % 3), settings.queues - 1)
            while queues.count < 1 + extra {
                let queue = Int(random.next() % UInt64(settings.queues))
                if !queues.contains(queue) { queues.append(queue) }
            }
            membership.append(queues)
            for queue in queues { members[queue].append(agent) }
        }
        let wrapUps = [5_000, 10_000, 15_000, 30_000]
        definitions = queueIds.enumerated().map { n, queueId in
            QueueDefinition(
                queueId: queueId, name: "Reporting bench \(n)",
                members: members[n].map { QueueDefinition.Member(agentId: agentIds[$0]) },
                wrapUpMs: wrapUps[n % wrapUps.count], waitTime1Ms: 60_000, waitTime2Ms: n % 2 == 0 ? 120_000 : nil)
        }
        topics = agentIds.map { Topic.agentStatus($0).name } + queueIds.map { Topic.queueEvent($0).name }
        retained = agentIds.map { _ in true } + queueIds.map { _ in false }

        var writer = Writer(day: self)
        for agent in 0..<settings.agents {
            try writer.shift(agent, queues: membership[agent], random: &random)
        }
        messages = writer.messages
        arena = writer.arena
        counts = writer.counts
        messages.sort { $0.at < $1.at || ($0.at == $1.at && $0.offset < $1.offset) }
    }

    /// Makes the messages of each shift, encoded, in the order they happen within a shift.
    private struct Writer {
        let day: ReportingDay
        let codec = MessageCodec()
        var messages: [Message] = []
        var arena: [UInt8] = []
        var counts = Counts()
        var nextCall = 0
        var statusesByAgent: [Int]

        init(day: ReportingDay) {
            self.day = day
            statusesByAgent = Array(repeating: 0, count: day.settings.agents)
            let expected = day.settings.agents * Int(day.settings.callsPerHour * day.settings.shiftHours * 8 + 16)
            messages.reserveCapacity(expected)
            arena.reserveCapacity(expected * 300)
        }

        /// The agent as its statuses describe it.
        struct Desk {
            /// The agent's number: its status topic's too.
            var agent: Int
            var agentId: AgentID
            var presence: Presence = .unavailable
            var reason: ReasonID?
            var activity: Activity = .idle
            var callId: CallID?
            var queueId: QueueID?
            var offerId: OfferID?
            var connected = true
            var since: Timestamp
            var activitySince: Timestamp
            var activityUntil: Timestamp?
            var version = 0

            var status: AgentStatus {
                let display = AgentEvent.State(presence: presence, reason: reason, activity: activity).display
                return AgentStatus(
                    agentId: agentId, presence: presence, reason: reason, activity: activity, callId: callId,
                    queueId: queueId, offerId: offerId, direction: activity == .idle ? nil : .queue,
                    routable: presence == .ready && activity == .idle, staffed: presence != .unavailable,
                    connected: connected, display: display, since: since, activitySince: activitySince,
                    activityUntil: activityUntil, version: version)
            }
        }

        var end: Int64 { day.settings.end.millisecondsSinceEpoch }

        /// One agent's shift. Stops at the day's end.
        mutating func shift(_ agent: Int, queues: [Int], random: inout SeededRandom) throws {
            let hour: Int64 = 3_600_000
            let minute: Int64 = 60_000
            let second: Int64 = 1000
            // Shifts start on the first whole hour of the day, or one of the 23 after it.
            let firstHour = (day.start.millisecondsSinceEpoch + hour - 1) / hour * hour
            let login = firstHour + Int64(random.next() % 24) * hour + random.between(0, 15 * minute)
            let shiftEnd = login + Int64(day.settings.shiftHours * Double(hour)) + random.between(-15 * minute, 15 * minute)
            guard login < end else { return }
            counts.shifts += 1
            var desk = Desk(
                agent: agent, agentId: day.agentIds[agent], since: Timestamp(millisecondsSinceEpoch: login),
                activitySince: Timestamp(millisecondsSinceEpoch: login))
            // Logged in: unavailable until the agent picks ready.
            guard try publish(&desk, at: login) else { return }
            var t = login + random.between(5 * second, 60 * second)
            guard try presence(&desk, .ready, nil, at: t) else { return }

            var withdrawals: [(at: Int64, reason: ReasonID, length: Int64)] = [
                (login + 2 * hour + random.between(-20 * minute, 20 * minute), ReportingDay.breakReason, random.between(10 * minute, 20 * minute)),
                (login + 4 * hour + random.between(-30 * minute, 30 * minute), ReportingDay.lunchReason, random.between(30 * minute, 45 * minute)),
                (login + 6 * hour + random.between(-20 * minute, 20 * minute), ReportingDay.breakReason, random.between(10 * minute, 20 * minute)),
            ]
            if random.next() % 5 == 0 {
                withdrawals.append((login + random.between(hour, 7 * hour), ReportingDay.trainingReason, random.between(30 * minute, 60 * minute)))
            }
            withdrawals.sort { $0.at < $1.at }

            // A ready agent's hour: calls of about 3 minutes' talk, the ring and wrap-up, and idle between.
            let cycle = Double(hour) / day.settings.callsPerHour
            let idleMean = max(5_000, cycle - 180_000 - 6_000 - 12_000)
            while t < shiftEnd {
                let next = t + max(2 * second, Int64(random.exponential(mean: idleMean)))
                if let withdrawal = withdrawals.first, withdrawal.at <= next {
                    withdrawals.removeFirst()
                    let at = max(t, withdrawal.at)
                    guard at < shiftEnd else { break }
                    counts.withdrawals += 1
                    guard try presence(&desk, .withdrawn, withdrawal.reason, at: at) else { return }
                    t = at + withdrawal.length
                    guard try presence(&desk, .ready, nil, at: t) else { return }
                    continue
                }
                guard next < shiftEnd else { break }
                guard try call(&desk, queue: queues[Int(random.next() % UInt64(queues.count))], at: next, random: &random)
                else { return }
                t = desk.activitySince.millisecondsSinceEpoch
            }
            // Logged out at the end of the shift, or after the call that ran over it.
            desk.connected = false
            guard try presence(&desk, .unavailable, ReportingDay.loggedOutReason, at: max(t, shiftEnd)) else { return }
            counts.loggedOut += 1
        }

        /// A queue call answered by the agent, ringing at `ringing`, and what its queue saw.
        /// False once the day has ended.
        private mutating func call(_ desk: inout Desk, queue: Int, at ringing: Int64, random: inout SeededRandom) throws -> Bool {
            let definition = day.definitions[queue]
            let number = nextCall
            nextCall += 1
            let callId = try CallID("rc-\(day.settings.tag)-\(number)")
            let offerId = try OfferID("ro-\(number)")
            let queueId = day.queueIds[queue]
            let waited = min(180_000, Int64(random.exponential(mean: 12_000)))
            let enqueued = ringing - waited
            let answered = ringing + random.between(2_000, 12_000)
            let ended = answered + min(1_800_000, max(15_000, Int64(random.exponential(mean: 180_000))))
            let wrapped = ended + Int64(definition.wrapUpMs)
            let topic = Int32(day.agentIds.count + queue)

            // Calls that never reached an agent, in the same queue about the same time.
            let unanswered = random.next() % 100
            if unanswered < 8 {
                let extraId = try CallID("rc-\(day.settings.tag)-\(number)-x")
                let arrived = ringing - random.between(0, 600_000)
                try queueEvent(QueueEvent(queueId: queueId, callId: extraId, type: .enqueued, at: .init(millisecondsSinceEpoch: arrived), waitedMs: 0, priority: 0), topic)
                if unanswered < 5 {
                    let gaveUp = Int(random.between(5_000, 90_000))
                    try queueEvent(QueueEvent(
                        queueId: queueId, callId: extraId, type: .abandoned, at: .init(millisecondsSinceEpoch: arrived + Int64(gaveUp)),
                        waitedMs: gaveUp, priority: 0), topic)
                } else {
                    let waitTime2 = definition.waitTime2Ms != nil && unanswered == 7
                    let waitedMs = waitTime2 ? definition.waitTime2Ms! : definition.waitTime1Ms
                    if try queueEvent(QueueEvent(
                        queueId: queueId, callId: extraId, type: .overflowed, at: .init(millisecondsSinceEpoch: arrived + Int64(waitedMs)),
                        waitedMs: waitedMs, priority: 0, target: definition.overflowTarget,
                        reason: waitTime2 ? .waitTime2 : .waitTime1), topic)
                    {
                        if waitTime2 { counts.overflowedWaitTime2 += 1 } else { counts.overflowedWaitTime1 += 1 }
                    }
                }
            }

            try queueEvent(QueueEvent(queueId: queueId, callId: callId, type: .enqueued, at: .init(millisecondsSinceEpoch: enqueued), waitedMs: 0, priority: 0), topic)
            try queueEvent(QueueEvent(
                queueId: queueId, callId: callId, type: .agentOffered, at: .init(millisecondsSinceEpoch: ringing),
                agentId: desk.agentId, offerId: offerId, waitedMs: Int(waited), priority: 0), topic)
            desk.callId = callId
            desk.queueId = queueId
            desk.offerId = offerId
            guard try activity(&desk, .ringing, at: ringing, until: ringing + Int64(definition.ringTimeoutMs)) else { return false }
            try queueEvent(QueueEvent(
                queueId: queueId, callId: callId, type: .connected, at: .init(millisecondsSinceEpoch: answered),
                agentId: desk.agentId, offerId: offerId, waitedMs: Int(answered - enqueued), priority: 0), topic)
            guard try activity(&desk, .onCall, at: answered, until: nil) else { return false }
            guard try activity(&desk, .wrapUp, at: ended, until: wrapped) else { return false }
            desk.callId = nil
            desk.queueId = nil
            desk.offerId = nil
            return try activity(&desk, .idle, at: wrapped, until: nil)
        }

        private mutating func presence(_ desk: inout Desk, _ presence: Presence, _ reason: ReasonID?, at: Int64) throws -> Bool {
            desk.presence = presence
            desk.reason = reason
            desk.since = Timestamp(millisecondsSinceEpoch: at)
            return try publish(&desk, at: at)
        }

        private mutating func activity(_ desk: inout Desk, _ activity: Activity, at: Int64, until: Int64?) throws -> Bool {
            desk.activity = activity
            desk.activitySince = Timestamp(millisecondsSinceEpoch: at)
            desk.activityUntil = until.map { Timestamp(millisecondsSinceEpoch: $0) }
            return try publish(&desk, at: at)
        }

        /// The agent's next status, unless it is after the day's end (then false).
        private mutating func publish(_ desk: inout Desk, at: Int64) throws -> Bool {
            guard at <= end else { return false }
            desk.version += 1
            append(try codec.encode(desk.status), at: at, topic: Int32(desk.agent))
            counts.statuses += 1
            statusesByAgent[desk.agent] += 1
            if statusesByAgent[desk.agent] > statusesByAgent[counts.busiestAgent] { counts.busiestAgent = desk.agent }
            return true
        }

        /// A queue event, unless it is after the day's end (then false).
        @discardableResult
        private mutating func queueEvent(_ event: QueueEvent, _ topic: Int32) throws -> Bool {
            guard event.at.millisecondsSinceEpoch <= end else { return false }
            append(try codec.encode(event), at: event.at.millisecondsSinceEpoch, topic: topic)
            counts.queueEvents += 1
            switch event.type {
            case .enqueued: counts.enqueued += 1
            case .connected: counts.answered += 1
            case .abandoned: counts.abandoned += 1
            case .agentOffered, .overflowed: break
            }
            return true
        }

        private mutating func append(_ payload: [UInt8], at: Int64, topic: Int32) {
            messages.append(Message(at: at, offset: arena.count, length: Int32(payload.count), topic: topic))
            arena.append(contentsOf: payload)
        }
    }
}

/// SplitMix64: the same numbers for the same seed, on every platform.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `low...high`.
    mutating func between(_ low: Int64, _ high: Int64) -> Int64 {
        low + Int64(next() % UInt64(high - low + 1))
    }

    /// A draw from the exponential distribution with this mean.
    mutating func exponential(mean: Double) -> Double {
        let uniform = (Double(next() >> 11) + 0.5) / Double(1 << 53)
        return -mean * log(uniform)
    }
}
