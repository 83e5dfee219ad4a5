import Messages

/// Realistic Swift values of every payload type, covering the variants; the agreement
/// test encodes them and has the independent validator check them against the schemas.
enum Examples {
    static func time(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text) }

    static func all() throws -> [any Payload] {
        let agent = try AgentID("a-1017")
        let maria = try AgentID("maria.k")
        let call = try CallID("c-7f3a9")
        let sales = try QueueID("sales")
        let offer = try OfferID("o-7f3a9-1")
        let t0 = try time("2026-11-23T08:00:04.512Z")
        let t1 = try time("2026-11-23T09:14:02.000Z")
        let ready = AgentStatus(
            agentId: agent, presence: .ready, routable: true, staffed: true, connected: true,
            display: "available", since: t0, activitySince: t0, version: 3)
        let ringing = AgentStatus(
            agentId: agent, presence: .ready, activity: .ringing, callId: call, queueId: sales, offerId: offer,
            direction: .queue, routable: false, staffed: true, connected: true, display: "ringing",
            since: t0, activitySince: t1, activityUntil: t1.advanced(byMilliseconds: 20000), version: 4)
        let lunch = AgentStatus(
            agentId: maria, presence: .withdrawn, reason: try ReasonID("lunch"), routable: false, staffed: true,
            connected: true, display: "lunch", since: t1, activitySince: t0, version: 41)
        let offline = AgentStatus(
            agentId: try AgentID("a_22"), presence: .unavailable, routable: false, staffed: false,
            connected: false, display: "offline", since: t0, activitySince: t0, version: 0)
        let outbound = AgentStatus(
            agentId: try AgentID("a_22"), presence: .unavailable, reason: try ReasonID("end-of-day"),
            activity: .onCall, callId: try CallID("out-991"), direction: .outbound, routable: false,
            staffed: false, connected: true, display: "on-call", since: t0, activitySince: t1, version: 57)
        let replyTopic = try ReplyTopic("client/a-1017-desk/reply")
        let support = QueueDefinition(
            queueId: try QueueID("support"), name: "Support (2nd level)",
            members: [.init(agentId: agent), .init(agentId: maria, priority: 2)], strategy: .priority,
            ringTimeoutMs: 15000, wrapUpMs: 10000, waitTime1Ms: 90000, waitTime2Ms: 0,
            overflowTarget: .queue(try QueueID("support-backup")), maxNoAnswer: 2, declineWithdraws: false,
            serviceLevelMs: 30000)
        let values: [any Payload] = [
            ready, ringing, lunch, offline, outbound,
            AgentEvent(
                agentId: agent, version: 4, at: t1, cause: .reservation,
                from: .init(presence: .ready), to: .init(presence: .ready, activity: .ringing),
                previousDurationMs: 4_437_488, callId: call, queueId: sales),
            AgentEvent(
                agentId: maria, version: 41, at: t1, cause: .command, from: .init(presence: .ready),
                to: .init(presence: .withdrawn, reason: try ReasonID("lunch")), previousDurationMs: 0,
                by: try SupervisorID("sup-3")),
            AgentCommand(commandId: try CommandID("cmd-1"), action: .login, replyTo: replyTopic),
            AgentCommand(
                commandId: try CommandID("cmd-2"), action: .setPresence, presence: .withdrawn,
                reason: try ReasonID("break"), by: try SupervisorID("sup-3"), replyTo: replyTopic),
            AgentCommand(commandId: try CommandID("cmd-3"), action: .endWrapUp),
            Reply.success(.command(try CommandID("cmd-2")), status: lunch),
            Reply.failure(
                .request(try RequestID("r-5522")),
                .init(code: .notRoutable, message: "agent 'maria.k' is withdrawn (lunch)"), status: lunch),
            Reply.failure(.command(try CommandID("cmd-9")), .init(MessageError(.invalidID, "agent id 'a/b' is invalid"))),
            AgentConnection(state: .online, clientId: try ClientID("desk-a-1017"), at: t1),
            AgentConnection(state: .offline, clientId: try ClientID("desk-a-1017")),
            EnqueueRequest(callId: call, priority: 5, caller: "+4930123456", at: t0),
            EnqueueRequest(callId: try CallID("c-8812")),
            CallEvent(callId: call, type: .answered, direction: .queue, agentId: agent, queueId: sales, offerId: offer, at: t1),
            CallEvent(callId: try CallID("d-55"), type: .ringing, direction: .direct, agentId: maria),
            CallEvent(callId: try CallID("c-8812"), type: .abandoned, direction: .queue, queueId: sales),
            CallRoute(callId: call, queueId: sales, agentId: agent, offerId: offer, ringTimeoutMs: 20000),
            ReserveRequest(
                requestId: try RequestID("r-5521"), callId: call, offerId: offer, queue: support,
                replyTo: try ReplyTopic("reply/queue-service/w0")),
            ReleaseRequest(callId: call, reason: .answeredElsewhere, offerId: offer, queueId: sales),
            ReleaseRequest(
                callId: call, reason: .guardTimeout, requestId: try RequestID("r-9"),
                replyTo: try ReplyTopic("reply/queue-service/w0")),
            CallOverflow(callId: call, queueId: sales, target: .voicemail, reason: .waitTime1, waitedMs: 60000, at: t1),
            CallOverflow(callId: call, queueId: sales, target: .queue(try QueueID("sales-backup")), reason: .waitTime2, waitedMs: 0),
            QueueState(
                queueId: sales, waiting: 3, longestWaitMs: 41250, staffed: 5, routable: 0, ringing: 1, onCall: 3,
                wrapUp: 1, withdrawn: 1, unavailable: 2, at: t1),
            QueueEvent(queueId: sales, callId: call, type: .enqueued, at: t0, waitedMs: 0, priority: 0),
            QueueEvent(
                queueId: sales, callId: call, type: .agentOffered, at: t1, agentId: agent, offerId: offer,
                waitedMs: 3960, priority: 0),
            QueueEvent(
                queueId: sales, callId: call, type: .overflowed, at: t1, waitedMs: 60000, priority: 2,
                target: .external("sip:night@pbx.example.com"), reason: .waitTime1),
            ServicePresence(
                state: .online, service: try ServiceName("queue-service"), instance: try InstanceID("host-1.4711"),
                version: "0.1.0", at: t1, shard: 0, shards: 2),
            ServicePresence(
                state: .offline, service: try ServiceName("status-service"), instance: try InstanceID("s1"),
                version: "0.1.0", at: t0),
            ServiceError(
                service: try ServiceName("status-service"), topic: "agent/a-1017/command",
                error: MessageError(.invalidField, field: "presence", "expected one of ready, withdrawn, unavailable"),
                at: t1),
            StatusCatalogue.standard,
            QueueDefinition(queueId: sales, name: "Sales"),
            support,
        ]
        return values + (try reports())
    }

    /// The live reports of one moment of a small centre (queues sales, support and night),
    /// and of the start of the next day; the figures add up as DESIGN section 5 says.
    static func reports() throws -> [any Payload] {
        let at = try time("2026-11-23T14:05:00.250Z")
        let lunch = try ReasonID("lunch")
        let noAnswer = try ReasonID("no-answer")
        let sales = QueueReport(
            queueId: try QueueID("sales"), name: "Sales",
            figures: LiveFigures(
                at: at, waiting: 2, longestWaitMs: 41250, staffed: 4, routable: 0, ringing: 1, onCall: 1, wrapUp: 0,
                withdrawn: 2, withdrawnByReason: [lunch: 1, noAnswer: 1], unavailable: 1,
                today: DayFigures(
                    offered: 129, answered: 112, abandoned: 8, overflowed: 6, answeredWithinServiceLevel: 96,
                    serviceLevel: 0.8, averageSpeedOfAnswerMs: 14250, averageHandleTimeMs: 241_800)))
        let support = QueueReport(
            queueId: try QueueID("support"), name: "Support (2nd level)",
            figures: LiveFigures(
                at: at, waiting: 0, longestWaitMs: 0, staffed: 3, routable: 1, ringing: 0, onCall: 0, wrapUp: 1,
                withdrawn: 1, withdrawnByReason: [lunch: 1], unavailable: 0,
                today: DayFigures(
                    offered: 17, answered: 15, abandoned: 0, overflowed: 2, answeredWithinServiceLevel: 15,
                    serviceLevel: 1, averageSpeedOfAnswerMs: 9870, averageHandleTimeMs: 402_115)))
        // Nothing today: the ratio and the averages are null.
        let night = QueueReport(
            queueId: try QueueID("night"), name: "Night service (after 22:00)",
            figures: LiveFigures(
                at: at, waiting: 0, longestWaitMs: 0, staffed: 1, routable: 0, ringing: 0, onCall: 1, wrapUp: 0,
                withdrawn: 0, unavailable: 3, today: .zero))
        let maria = AgentReport(
            agentId: try AgentID("maria.k"), display: "lunch", displaySince: try time("2026-11-23T12:01:30.250Z"),
            presence: .withdrawn, reason: lunch, queues: [try QueueID("sales"), try QueueID("support")])
        let idle = AgentReport(
            agentId: try AgentID("a-1017"), display: "available", displaySince: try time("2026-11-23T14:03:12.004Z"),
            presence: .ready, queues: [try QueueID("support")])
        let onCall = AgentReport(
            agentId: try AgentID("a_22"), display: "on-call", displaySince: try time("2026-11-23T14:01:47.900Z"),
            presence: .ready, activity: .onCall, queues: [try QueueID("night"), try QueueID("sales")])
        // A member of no queue, still known: counted in the totals only.
        let offline = AgentReport(
            agentId: try AgentID("b.schmidt"), display: "offline", displaySince: try time("2026-11-23T07:45:00.000Z"),
            presence: .unavailable, reason: try ReasonID("end-of-day"))
        let missed = AgentReport(
            agentId: try AgentID("j.doe"), display: "no-answer", displaySince: try time("2026-11-23T13:58:20.000Z"),
            presence: .withdrawn, reason: noAnswer, queues: [try QueueID("sales")])
        let ringing = AgentReport(
            agentId: try AgentID("r.lee"), display: "ringing", displaySince: try time("2026-11-23T14:04:55.100Z"),
            presence: .ready, activity: .ringing, queues: [try QueueID("sales")])
        let wrapUp = AgentReport(
            agentId: try AgentID("k-5"), display: "wrap-up", displaySince: try time("2026-11-23T14:04:40.000Z"),
            presence: .ready, activity: .wrapUp, queues: [try QueueID("support")])
        let totals = TotalsReport(
            figures: LiveFigures(
                at: at, waiting: 2, longestWaitMs: 41250, staffed: 6, routable: 1, ringing: 1, onCall: 1, wrapUp: 1,
                withdrawn: 2, withdrawnByReason: [lunch: 1, noAnswer: 1], unavailable: 1,
                today: DayFigures(
                    offered: 146, answered: 127, abandoned: 8, overflowed: 8, answeredWithinServiceLevel: 111,
                    serviceLevel: 111.0 / 135.0, averageSpeedOfAnswerMs: 13733, averageHandleTimeMs: 260_735)))
        let midnight = try time("2026-11-24T00:00:00.000Z")
        let emptyTotals = TotalsReport(
            figures: LiveFigures(
                at: midnight, waiting: 0, longestWaitMs: 0, staffed: 0, routable: 0, ringing: 0, onCall: 0, wrapUp: 0,
                withdrawn: 0, unavailable: 2))
        return [
            sales, support, night, maria, idle, onCall, offline, missed, ringing, wrapUp, totals, emptyTotals,
            LiveReport(
                at: at, queues: [night, sales, support], agents: [idle, onCall, offline, missed, wrapUp, maria, ringing],
                totals: totals),
            LiveReport(at: midnight, queues: [], agents: [], totals: emptyTotals),
        ]
    }
}
