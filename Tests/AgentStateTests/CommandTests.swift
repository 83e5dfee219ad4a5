import AgentState
import Messages
import TestLiterals
import Testing

@Suite("Agent commands: login, logout, set-presence, end-wrap-up")
struct CommandTests {
    @Test("an agent first seen is unavailable with no reason, idle and not connected, at version 1")
    func firstSeen() throws {
        var f = Fixture()
        let outcome = f.login()

        #expect(outcome.verdict == .accepted)
        let status = try f.status()
        #expect(status.agentId == "a1")
        #expect(status.presence == .unavailable)
        #expect(status.reason == nil)
        #expect(status.activity == .idle)
        #expect(status.callId == nil && status.direction == nil && status.activityUntil == nil)
        #expect(!status.connected && !status.staffed && !status.routable)
        #expect(status.display == "offline")
        #expect(status.since == f.now && status.activitySince == f.now)
        #expect(status.version == 1)
        #expect(outcome.status == status)

        let event = try outcome.onlyEvent()
        #expect(event.version == 1)
        #expect(event.cause == .command)
        #expect(event.from == .unavailable() && event.to == .unavailable())
        #expect(event.previousDurationMs == 0)
        #expect(event.at == f.now)
    }

    @Test("logging in leaves the agent unavailable until it picks ready (rule 1)")
    func loginLeavesUnavailable() throws {
        var f = Fixture()
        f.login()
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)

        let ready = f.set(.ready)
        #expect(ready.verdict == .accepted)
        let status = try f.status()
        #expect(status.presence == .ready && status.reason == nil)
        #expect(status.routable && status.staffed)
        #expect(status.display == "available")
        #expect(f.reserve().outcome.verdict == .accepted)
    }

    @Test("logging in gives the configured login presence")
    func loginPresenceReady() throws {
        var f = Fixture(.init(loginPresence: .ready))
        f.login()
        let status = try f.status()
        #expect(status.presence == .ready && status.routable)
    }

    @Test("logging in after logging out clears the logged-out reason")
    func loginAfterLogout() throws {
        var f = Fixture()
        f.makeReady()
        f.logout()
        f.advance(1_000)
        let event = try f.login().onlyEvent()
        #expect(event.from == .unavailable("logged-out"))
        #expect(event.to == .unavailable())
        #expect(try f.status().reason == nil)
    }

    @Test("logging in when already staffed is accepted and changes nothing")
    func loginWhenStaffed() throws {
        var f = Fixture()
        f.makeReady()
        let before = f.machine.agents
        let outcome = f.login()
        #expect(outcome.verdict == .accepted)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
        #expect(outcome.status?.presence == .ready)
    }

    @Test("logging out makes the agent unavailable/logged-out (rule 1)")
    func logout() throws {
        var f = Fixture()
        f.makeReady()
        f.advance(5_000)
        let event = try f.logout().onlyEvent()
        #expect(event.from == .ready() && event.to == .unavailable("logged-out"))
        #expect(event.previousDurationMs == 5_000)
        let status = try f.status()
        #expect(status.presence == .unavailable && status.reason == "logged-out")
        #expect(!status.staffed && !status.routable)
        #expect(status.display == "offline")
    }

    @Test("logging out withdraws the queue offer ringing on the agent (rule 1)")
    func logoutWithdrawsOffer() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        let event = try f.logout().onlyEvent()

        #expect(event.from == .ready(.ringing))
        #expect(event.to == .unavailable("logged-out", .idle))
        #expect(event.callId == offer.callId && event.queueId == offer.queueId)
        let status = try f.status()
        #expect(status.activity == .idle)
        #expect(status.callId == nil && status.queueId == nil && status.offerId == nil && status.direction == nil)
        #expect(status.activityUntil == nil)
        #expect(f.machine.nextDeadline == nil)
        // The telephony platform's late report about the withdrawn offer changes nothing.
        #expect(f.callEvent(.noAnswer, offer).isIgnored)
        #expect(try f.status().reason == "logged-out")
    }

    @Test("logging out during a call leaves the agent on the call until it ends (rules 1 and 3)")
    func logoutOnCall() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 0)
        f.logout()
        var status = try f.status()
        #expect(status.presence == .unavailable && status.reason == "logged-out")
        #expect(status.activity == .onCall && status.callId == call.callId)
        #expect(status.display == "on-call")

        f.callEvent(.ended, call)
        status = try f.status()
        #expect(status.activity == .idle && status.display == "offline")
    }

    @Test("any change to unavailable withdraws a ringing queue offer", arguments: [
        (ReasonID?.none, SupervisorID?.none), ("end-of-day", nil), ("disconnected", "sup-1"),
    ])
    func unavailableWithdrawsOffer(reason: ReasonID?, by: SupervisorID?) throws {
        var f = Fixture()
        f.makeReady()
        f.reserve()
        #expect(f.set(.unavailable, reason, by: by).verdict == .accepted)
        let status = try f.status()
        #expect(status.presence == .unavailable && status.reason == reason)
        #expect(status.activity == .idle && status.callId == nil)
    }

    @Test("a withdrawn presence picked while ringing keeps the offer ringing")
    func withdrawnWhileRinging() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        f.set(.withdrawn, "lunch")
        let status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "lunch")
        #expect(status.activity == .ringing && status.callId == offer.callId)
        #expect(status.display == "ringing")
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var presence: Presence
        var reason: ReasonID
        var by: SupervisorID?
        var code: ErrorCode
        var testDescription: String { "\(presence)/\(reason)\(by.map { " by \($0)" } ?? "") → \(code)" }
    }

    @Test("set-presence with a reason that does not fit is refused and changes nothing", arguments: [
        Refused(presence: .ready, reason: "busy", code: .wrongReasonKind),
        Refused(presence: .ready, reason: "busy", by: "sup-1", code: .wrongReasonKind),
        Refused(presence: .withdrawn, reason: "nap", code: .unknownReason),
        Refused(presence: .unavailable, reason: "nap", by: "sup-1", code: .unknownReason),
        Refused(presence: .withdrawn, reason: "end-of-day", code: .wrongReasonKind),
        Refused(presence: .unavailable, reason: "lunch", code: .wrongReasonKind),
        Refused(presence: .unavailable, reason: "no-answer", by: "sup-1", code: .wrongReasonKind),
        Refused(presence: .withdrawn, reason: "declined", code: .reasonNotSelectable),
        Refused(presence: .withdrawn, reason: "no-answer", code: .reasonNotSelectable),
        Refused(presence: .unavailable, reason: "logged-out", code: .reasonNotSelectable),
        Refused(presence: .unavailable, reason: "disconnected", code: .reasonNotSelectable),
    ])
    func refusedPresence(_ refused: Refused) throws {
        var f = Fixture()
        f.makeReady()
        let before = f.machine.agents
        let outcome = f.set(refused.presence, refused.reason, by: refused.by)

        let refusal = try #require(outcome.refusal)
        #expect(refusal.code == refused.code)
        #expect(refusal.isBadInput)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
        #expect(outcome.status == before["a1"]?.status)
    }

    @Test("a supervisor may set a system reason", arguments: [
        (Presence.withdrawn, "declined" as ReasonID), (.withdrawn, "no-answer"), (.unavailable, "logged-out"),
        (.unavailable, "disconnected"),
    ])
    func supervisorSetsSystemReason(presence: Presence, reason: ReasonID) throws {
        var f = Fixture()
        f.makeReady()
        let event = try f.set(presence, reason, by: "sup-1").onlyEvent()
        #expect(event.by == "sup-1")
        #expect(event.to == .init(presence: presence, reason: reason))
        let status = try f.status()
        #expect(status.presence == presence && status.reason == reason)
    }

    @Test("an agent may pick its own reasons, and unavailable without a reason", arguments: [
        (Presence.withdrawn, "busy" as ReasonID?), (.withdrawn, "lunch"), (.withdrawn, "admin"),
        (.unavailable, "end-of-day"), (.unavailable, nil),
    ])
    func agentPicksReason(presence: Presence, reason: ReasonID?) throws {
        var f = Fixture()
        f.makeReady()
        let event = try f.set(presence, reason).onlyEvent()
        #expect(event.by == nil)
        #expect(event.to == .init(presence: presence, reason: reason))
        let status = try f.status()
        #expect(status.display == (presence == .withdrawn ? reason?.value : "offline"))
        #expect(status.staffed == (presence == .withdrawn))
        #expect(!status.routable)
    }

    @Test("setting the same presence and reason again is accepted and changes nothing")
    func samePresenceAgain() throws {
        var f = Fixture()
        f.login()
        f.set(.withdrawn, "lunch")
        let before = f.machine.agents
        f.advance(60_000)
        let outcome = f.set(.withdrawn, "lunch")
        #expect(outcome.verdict == .accepted)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("changing only the reason is a change of presence: a new since and version")
    func reasonChange() throws {
        var f = Fixture()
        f.login()
        f.set(.withdrawn, "lunch")
        let version = try f.status().version
        f.advance(30_000)
        let event = try f.set(.withdrawn, "training").onlyEvent()
        #expect(event.from == .withdrawn("lunch") && event.to == .withdrawn("training"))
        #expect(event.previousDurationMs == 30_000)
        let status = try f.status()
        #expect(status.since == f.now && status.version == version + 1)
        #expect(status.display == "training")
    }

    @Test("end-wrap-up for an agent never seen is refused unknown-agent")
    func endWrapUpUnknown() {
        var f = Fixture()
        let outcome = f.endWrapUp()
        #expect(outcome.refusal?.code == .unknownAgent)
        #expect(outcome.status == nil)
        #expect(f.machine.agents.isEmpty)
    }

    @Test("end-wrap-up for an agent not in wrap-up is refused not-in-wrap-up", arguments: [false, true])
    func endWrapUpNotInWrapUp(onCall: Bool) throws {
        var f = Fixture()
        f.makeReady()
        if onCall { _ = f.answerQueueCall() }
        let before = f.machine.agents
        let outcome = f.endWrapUp()
        #expect(outcome.refusal?.code == .notInWrapUp)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
        #expect(outcome.status == before["a1"]?.status)
    }

    @Test("the agent may end wrap-up early (rule 2)", arguments: [SupervisorID?.none, "sup-1"])
    func endWrapUpEarly(by: SupervisorID?) throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 60_000)
        f.callEvent(.ended, call)
        f.advance(10_000)

        let event = try f.endWrapUp(by: by).onlyEvent()
        #expect(event.cause == .command)
        #expect(event.by == by)
        #expect(event.from == .ready(.wrapUp) && event.to == .ready(.idle))
        #expect(event.previousDurationMs == 10_000)
        let status = try f.status()
        #expect(status.activity == .idle && status.callId == nil && status.activityUntil == nil)
        #expect(status.routable && status.display == "available")

        // The wrap-up timer is gone with the wrap-up.
        #expect(f.machine.nextDeadline == nil)
        f.advance(50_000)
        #expect(f.expire().isEmpty)
    }
}
