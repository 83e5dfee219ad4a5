import HeapModule
public import Messages

/// The call distribution of DESIGN section 3 for the queues one worker owns, as a value:
/// inputs in, effects out. It does no I/O and reads no clock — every input carries the
/// time — so the queue service and the tests drive it the same way.
///
/// ```swift
/// var dispatcher = Dispatcher(settings: settings)
/// dispatcher.handle(.definition(queue), at: now)   // retained config/queue/{id}
/// dispatcher.handle(.agentStatus(status), at: now) // retained agent/{id}/status
/// dispatcher.synchronize(at: now)                  // the retained view is complete
/// dispatcher.handle(.enqueue(request, queue: id), at: now)
/// let effects = dispatcher.takeEffects()            // reserve, route, events… to publish
/// let changes = dispatcher.takeChanges()            // calls and progress to store first
/// ```
///
/// Offers go through the status service: the dispatcher asks it to reserve the agent
/// (``Effect/reserve(_:_:)``), and routes the call only when the reply grants it. Until the
/// offer ends, the agent is *held*: no other call of this worker picks it.
public struct Dispatcher: Sendable {
    public struct Settings: Sendable {
        /// This worker's shard, 0 ≤ shard < shards.
        public var shard: Int
        public var shards: Int
        /// Where the status service answers this worker's reservations.
        public var replyTo: ReplyTopic
        /// The queue's guard timer is the ring timeout plus this (DESIGN section 4: 2 s).
        public var guardMarginMs: Int
        /// How long an ended call's id is remembered, so a repeated enqueue or event is ignored.
        public var finishedMemoryMs: Int
        /// `random`: an index in 0..<count.
        public var randomIndex: @Sendable (Int) -> Int

        public init(
            shard: Int = 0, shards: Int = 1, replyTo: ReplyTopic, guardMarginMs: Int = 2_000,
            finishedMemoryMs: Int = 3_600_000, randomIndex: @escaping @Sendable (Int) -> Int = { Int.random(in: 0..<$0) }
        ) {
            self.shard = shard
            self.shards = shards
            self.replyTo = replyTo
            self.guardMarginMs = guardMarginMs
            self.finishedMemoryMs = finishedMemoryMs
            self.randomIndex = randomIndex
        }
    }

    /// One message for a queue worker, decoded and checked against its topic.
    public enum Input: Sendable {
        /// A queue definition (`config/queue/{id}`).
        case definition(QueueDefinition)
        /// An empty retained `config/queue/{id}`.
        case definitionDeleted(QueueID)
        case agentStatus(AgentStatus)
        case enqueue(EnqueueRequest, queue: QueueID)
        case callEvent(CallEvent)
        /// The status service's answer to a reservation.
        case reply(Reply)
    }

    /// What the worker must publish, in order.
    public enum Effect: Hashable, Sendable {
        case reserve(AgentID, ReserveRequest)
        case release(AgentID, ReleaseRequest)
        case route(CallRoute)
        case overflow(CallOverflow)
        /// Moves an overflowing call into another queue (`queue/{id}/enqueue`).
        case enqueue(QueueID, EnqueueRequest)
        case queueEvent(QueueEvent)
    }

    /// What became of an input.
    public enum Verdict: Hashable, Sendable {
        case applied
        /// Nothing to do (a repeat, a stale reply, an informational event), with why.
        case ignored(String)
        /// Another worker's queue or call.
        case notMine
        case refused(ErrorCode, String)
    }

    /// What to store before publishing the effects.
    public struct Changes: Sendable {
        /// Calls added or changed.
        public var calls: [QueuedCall] = []
        /// Calls that ended: connected and hung up, abandoned, overflowed, or handed over.
        public var removedCalls: [CallID] = []
        /// Ended calls to remember (``Settings/finishedMemoryMs``).
        public var finished: [FinishedCall] = []
        public var progress: [QueueID: QueueProgress] = [:]
        /// Queues deleted with no call left: their progress goes.
        public var removedQueues: [QueueID] = []
        /// The next offer and request sequence number.
        public var nextSequence: Int = 0

        public var isEmpty: Bool {
            calls.isEmpty && removedCalls.isEmpty && finished.isEmpty && progress.isEmpty && removedQueues.isEmpty
        }
    }

    /// A call that left this worker, remembered so a repeated enqueue or event is ignored.
    public struct FinishedCall: Hashable, Sendable {
        public var callId: CallID
        public var queueId: QueueID
        public var at: Timestamp

        public init(callId: CallID, queueId: QueueID, at: Timestamp) {
            self.callId = callId
            self.queueId = queueId
            self.at = at
        }
    }

    public let settings: Settings
    /// Every definition seen, also of other workers' queues (for overflow-loop checks).
    public internal(set) var definitions: [QueueID: QueueDefinition] = [:]
    var queues: [QueueID: QueueRuntime] = [:]
    /// Every call this worker holds.
    public internal(set) var calls: [CallID: QueuedCall] = [:]
    /// Each agent's latest status.
    public internal(set) var agents: [AgentID: AgentStatus] = [:]
    /// Agents an offer of this worker reserves or rings → the call.
    public internal(set) var held: [AgentID: CallID] = [:]
    /// Outstanding reservations → the call.
    var requests: [RequestID: CallID] = [:]
    /// Agent → the owned queues it is a member of.
    var memberships: [AgentID: Set<QueueID>] = [:]
    var finished: [CallID: FinishedCall] = [:]
    /// Progress loaded for queues whose definition has not arrived yet.
    var storedProgress: [QueueID: QueueProgress]
    /// False until the retained definitions and statuses are in: nothing is offered before.
    public internal(set) var isSynchronized = false
    var sequence: Int
    var timers = Heap<Timer>()
    /// Queues that may be able to offer a call.
    var toDispatch: Set<QueueID> = []

    var effects: [Effect] = []
    var changedCalls: Set<CallID> = []
    var changedProgress: Set<QueueID> = []
    var newlyFinished: [FinishedCall] = []
    var removedQueues: [QueueID] = []
    /// Queues whose live state changed since ``takeDirtyStates()``.
    var dirtyStates: Set<QueueID> = []

    struct Timer: Comparable {
        var at: Timestamp
        var callId: CallID
        static func < (a: Timer, b: Timer) -> Bool { a.at < b.at }
    }

    /// A dispatcher resuming the calls and progress read back from storage.
    public init(
        settings: Settings, calls: [QueuedCall] = [], progress: [QueueID: QueueProgress] = [:],
        finished: [FinishedCall] = [], nextSequence: Int = 1
    ) {
        self.settings = settings
        self.storedProgress = progress
        self.sequence = max(nextSequence, (calls.map(\.sequence).max() ?? 0) + 1)
        for call in calls {
            self.calls[call.callId] = call
            for leg in call.offer?.legs ?? [] {
                held[leg.agentId] = call.callId
                if leg.state == .reserving { requests[leg.requestId] = call.callId }
            }
        }
        for call in finished { self.finished[call.callId] = call }
    }

    // MARK: Sharding

    /// The shard that owns `queueId`: FNV-1a (64 bits) of its UTF-8 bytes, modulo `shards`.
    /// Stable across processes, builds and machines.
    public static func shard(of queueId: QueueID, shards: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in queueId.value.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(max(shards, 1)))
    }

    public func owns(_ queueId: QueueID) -> Bool {
        Self.shard(of: queueId, shards: settings.shards) == settings.shard
    }

    /// The queues this worker owns and has a definition for.
    public var ownedQueues: [QueueID] { Array(queues.keys) }

    // MARK: Driving it

    public mutating func handle(_ input: Input, at now: Timestamp) -> Verdict {
        let verdict: Verdict =
            switch input {
            case .definition(let definition): apply(definition, at: now)
            case .definitionDeleted(let queueId): delete(queueId, at: now)
            case .agentStatus(let status): apply(status, at: now)
            case .enqueue(let request, let queueId): enqueue(request, in: queueId, at: now)
            case .callEvent(let event): apply(event, at: now)
            case .reply(let reply): apply(reply, at: now)
            }
        dispatch(at: now)
        return verdict
    }

    /// The retained definitions and statuses are in: queues with stored calls but no
    /// definition any more overflow them, calls of queues another shard owns now are handed
    /// over, and distribution starts.
    public mutating func synchronize(at now: Timestamp) {
        guard !isSynchronized else { return }
        isSynchronized = true
        var deleted: Set<QueueID> = []
        for call in calls.values.sorted(by: QueuedCall.precedes) where call.connected == nil {
            if !owns(call.queueId) {
                handOver(call, at: now)
            } else if queues[call.queueId] == nil {
                let stored = storedProgress[call.queueId]
                let definition = QueueDefinition(
                    queueId: call.queueId, name: "\(call.queueId)", overflowTarget: stored?.overflowTarget ?? .voicemail)
                var runtime = QueueRuntime(definition: definition, progress: stored ?? QueueProgress())
                runtime.isDeleted = true
                queues[call.queueId] = runtime
                deleted.insert(call.queueId)
            }
        }
        // Every call from scratch (an arrival handled before this is already in `calls`).
        for queueId in queues.keys { queues[queueId]?.order = [] }
        for call in calls.values where call.connected == nil {
            queues[call.queueId]?.insert(call, calls: calls)
            schedule(call.callId)
        }
        // Retired only once their calls are in: a retired queue with no call goes at once.
        for queueId in deleted { retire(queueId, at: now) }
        for queueId in queues.keys {
            toDispatch.insert(queueId)
            dirtyStates.insert(queueId)
            noteCondition(of: queueId, at: now)
        }
        dispatch(at: now)
    }

    /// The earliest time ``expire(at:)`` has something to do (possibly a little early).
    public var nextDeadline: Timestamp? { isSynchronized ? timers.min?.at : nil }

    /// Runs the guard timers and the overflows due by `now`.
    public mutating func expire(at now: Timestamp) {
        guard isSynchronized else { return }
        while let timer = timers.min, timer.at <= now {
            timers.removeMin()
            guard var call = calls[timer.callId] else { continue }
            for leg in call.offer?.legs ?? [] where leg.guardDeadline <= now {
                endLeg(of: &call, agent: leg.agentId, missed: leg.state == .ringing,
                       release: leg.state == .ringing ? .guardTimeout : .cancelled, at: now)
            }
            store(call)
            if let (deadline, reason) = overflowDeadline(of: call), deadline <= now {
                overflow(call, reason: reason, at: now)
            } else {
                schedule(call.callId)
            }
        }
        dispatch(at: now)
    }

    /// The effects to publish, in order, since the last call.
    public mutating func takeEffects() -> [Effect] {
        defer { effects = [] }
        return effects
    }

    /// What to store since the last call.
    public mutating func takeChanges() -> Changes {
        var changes = Changes(nextSequence: sequence)
        for callId in changedCalls {
            if let call = calls[callId] { changes.calls.append(call) } else { changes.removedCalls.append(callId) }
        }
        for queueId in changedProgress {
            if let runtime = queues[queueId] { changes.progress[queueId] = runtime.progress }
        }
        changes.finished = newlyFinished
        changes.removedQueues = removedQueues
        changedCalls = []
        changedProgress = []
        newlyFinished = []
        removedQueues = []
        return changes
    }

    /// The queues whose live state changed since the last call.
    public mutating func takeDirtyStates() -> Set<QueueID> {
        defer { dirtyStates = [] }
        return dirtyStates
    }

    /// Forgets ended calls older than the memory.
    public mutating func forgetFinished(before limit: Timestamp) {
        finished = finished.filter { $0.value.at >= limit }
    }

    /// Lets go of connected calls answered before `limit` whose `ended` never came (a lost
    /// report): they are kept only for their agent's talk time.
    public mutating func forgetConnected(answeredBefore limit: Timestamp) {
        for call in calls.values {
            guard let connection = call.connected, connection.answeredAt < limit else { continue }
            calls[call.callId] = nil
            changedCalls.insert(call.callId)
        }
    }

    /// The live state of an owned queue (`queue/{id}/state`).
    public func state(of queueId: QueueID, at now: Timestamp) -> QueueState? {
        guard let runtime = queues[queueId], !runtime.isDeleted else { return nil }
        var waiting = 0
        var ringing = 0
        var longestWaitMs = 0
        for callId in runtime.order {
            guard let call = calls[callId] else { continue }
            // DESIGN section 4: a call whose reservation is still unanswered is not yet ringing, so it waits.
            if call.offer?.legs.contains(where: { $0.state == .ringing }) == true {
                ringing += 1
            } else {
                waiting += 1
                longestWaitMs = max(longestWaitMs, call.waitedMs(at: now))
            }
        }
        let counts = runtime.counts
        return QueueState(
            queueId: queueId, waiting: waiting, longestWaitMs: longestWaitMs, staffed: counts.staffed,
            routable: counts.available, ringing: ringing, onCall: counts.onCall, wrapUp: counts.wrapUp,
            withdrawn: counts.withdrawn, unavailable: counts.unavailable, at: now)
    }

    /// The member counts of an owned queue, for tests and metrics.
    public func counts(of queueId: QueueID) -> MemberCounts? { queues[queueId]?.counts }
}

extension ErrorCode {
    /// An enqueue for a queue that has no definition.
    public static let unknownQueue = ErrorCode("unknown-queue")
    /// A queue call event for a call the owning worker does not hold.
    public static let unknownCall = ErrorCode("unknown-call")
    /// A queue definition whose overflow targets lead back to itself.
    public static let overflowLoop = ErrorCode("overflow-loop")
}
