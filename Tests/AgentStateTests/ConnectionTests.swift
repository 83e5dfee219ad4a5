import AgentState
import Messages
import TestLiterals
import Testing

@Suite("Client connection and the disconnect grace period (rule 6)")
struct ConnectionTests {
    @Test("online marks the agent connected and keeps its client id")
    func online() throws {
        var f = Fixture()
        let event = try f.connection(.online, client: "c-1").onlyEvent()
        #expect(event.version == 1 && event.cause == .connection)
        let status = try f.status()
        #expect(status.connected && status.presence == .unavailable)
        #expect(try f.record().clientId == "c-1")
    }

    @Test("a staffed agent offline past the grace period becomes unavailable/disconnected")
    func graceElapses() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.advance(1_000)
        let offline = try f.connection(.offline).onlyEvent()
        #expect(offline.from == .ready() && offline.to == .ready())
        let deadline = f.later(30_000)
        var status = try f.status()
        #expect(!status.connected && status.presence == .ready && status.routable)
        #expect(try f.record().disconnectDeadline == deadline)
        #expect(f.machine.nextDeadline == deadline)

        f.advance(29_999)
        #expect(f.expire().isEmpty)
        f.advance(1)
        let event = try #require(f.expire().events.only)
        #expect(event.cause == .disconnectGrace)
        #expect(event.at == deadline)
        #expect(event.from == .ready() && event.to == .unavailable("disconnected"))
        status = try f.status()
        #expect(status.presence == .unavailable && status.reason == "disconnected")
        #expect(!status.staffed && !status.routable && status.display == "offline")
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("reconnecting within the grace period changes neither presence nor routing")
    func reconnectWithinGrace() throws {
        var f = Fixture()
        f.connection(.online)
        f.login()
        f.set(.withdrawn, "break")
        let since = try f.status().since
        f.connection(.offline)
        f.advance(20_000)

        let event = try f.connection(.online).onlyEvent()
        #expect(event.from == .withdrawn("break") && event.to == .withdrawn("break"))
        var status = try f.status()
        #expect(status.connected)
        #expect(status.presence == .withdrawn && status.reason == "break" && status.since == since)
        #expect(try f.record().disconnectDeadline == nil)
        #expect(f.machine.nextDeadline == nil)

        f.advance(60_000)
        #expect(f.expire().isEmpty)
        status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "break")
    }

    @Test("a ready agent reconnecting within the grace period stays routable")
    func reconnectStaysRoutable() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.connection(.offline)
        f.advance(10_000)
        f.connection(.online, client: "client-2")
        f.advance(30_000)
        #expect(f.expire().isEmpty)
        #expect(try f.status().routable)
        #expect(f.reserve().outcome.verdict == .accepted)
    }

    @Test("an offline from a client that is no longer current is ignored")
    func staleOffline() throws {
        var f = Fixture()
        f.connection(.online, client: "old")
        f.makeReady()
        f.connection(.online, client: "new")
        let before = f.machine.agents

        let outcome = f.connection(.offline, client: "old")
        #expect(outcome.isIgnored)
        #expect(f.machine.agents == before)
        #expect(try f.status().connected)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("a new client id alone changes the record but publishes nothing")
    func newClientId() throws {
        var f = Fixture()
        f.connection(.online, client: "old")
        let version = try f.status().version
        let outcome = f.connection(.online, client: "new")
        let change = try #require(outcome.changes.only)
        #expect(change.event == nil)
        #expect(change.record.clientId == "new")
        #expect(try f.status().version == version)
    }

    @Test("a repeated offline changes nothing and keeps the first deadline")
    func repeatedOffline() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.connection(.offline)
        let before = f.machine.agents
        f.advance(10_000)
        let outcome = f.connection(.offline)
        #expect(outcome.verdict == .accepted && outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("with no grace period an offline staffed agent is unavailable/disconnected at once")
    func noGrace() throws {
        var f = Fixture(.init(disconnectGraceMs: 0))
        f.connection(.online)
        f.makeReady()
        f.reserve()
        let event = try f.connection(.offline).onlyEvent()
        #expect(event.cause == .connection)
        #expect(event.from == .ready(.ringing) && event.to == .unavailable("disconnected", .idle))
        let status = try f.status()
        #expect(!status.connected && status.reason == "disconnected" && status.callId == nil)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("an unavailable agent going offline gets no disconnect timer")
    func offlineUnstaffed() throws {
        var f = Fixture()
        f.connection(.online)
        f.login()
        f.connection(.offline)
        let status = try f.status()
        #expect(!status.connected && status.presence == .unavailable && status.reason == nil)
        #expect(try f.record().disconnectDeadline == nil)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("the grace period ending withdraws a queue offer ringing on the agent")
    func graceEndsWhileRinging() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.connection(.offline)
        f.advance(29_000)
        f.reserve(ringTimeoutMs: 20_000, maxNoAnswer: 1)
        f.advance(1_000)
        let event = try #require(f.expire().events.only)
        #expect(event.to == .unavailable("disconnected", .idle))
        #expect(try f.record().missedOffers == 0)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("logging out while offline stops the disconnect timer")
    func logoutWhileOffline() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.connection(.offline)
        f.logout()
        #expect(try f.record().disconnectDeadline == nil)
        #expect(f.machine.nextDeadline == nil)
        f.advance(30_000)
        #expect(f.expire().isEmpty)
        #expect(try f.status().reason == "logged-out")
    }

    @Test("an offline agent made staffed again gets the grace period again", arguments: [false, true])
    func graceAgain(byLogin: Bool) throws {
        var f = Fixture(.init(loginPresence: .ready))
        f.connection(.online)
        f.login()
        f.connection(.offline)
        f.advance(30_000)
        _ = f.expire()
        #expect(try f.status().reason == "disconnected")

        f.advance(1_000)
        if byLogin { f.login() } else { f.set(.ready, by: "sup-1") }
        #expect(try f.status().presence == .ready)
        #expect(f.machine.nextDeadline == f.later(30_000))
        f.advance(30_000)
        #expect(f.expire().events.only?.to == .unavailable("disconnected"))
    }

    @Test("changing presence while offline does not extend the grace period")
    func presenceChangeKeepsDeadline() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.connection(.offline)
        let deadline = f.later(30_000)
        f.advance(10_000)
        f.set(.withdrawn, "busy")
        #expect(try f.record().disconnectDeadline == deadline)
        #expect(f.machine.nextDeadline == deadline)
    }
}
