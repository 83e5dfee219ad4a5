import Messages
import Reporting
import TestLiterals
import Testing

/// An agent's time per interval (DESIGN section 5): split at boundaries, adding up to the
/// time the agent was known, entries counted per dimension, through restarts.
@Suite("Agent time per interval")
struct AgentTimeTests {
    @Test("a state that spans interval boundaries is split at them, and each dimension adds up to the time known")
    func splitAtBoundaries() {
        var f = Fixture()  // 20:26:40
        f.ready("a1")
        f.advance(500_000)  // 20:35:00
        f.withdraw("a1", "lunch")
        f.advance(1_200_000)  // 20:55:00
        f.ready("a1")
        f.advance(60_000)  // 20:56:00, the open state counts up to now

        #expect(f.durations("a1", .presence, intervalStart: f.interval(-2)) == ["ready": 200_000])
        #expect(f.durations("a1", .presence, intervalStart: f.interval(-1)) == ["ready": 300_000, "withdrawn": 600_000])
        #expect(f.durations("a1", .presence, intervalStart: f.interval(0)) == ["withdrawn": 600_000, "ready": 60_000])
        #expect(f.durations("a1", .reason, intervalStart: f.interval(-1)) == ["ready": 300_000, "lunch": 600_000])
        #expect(f.durations("a1", .activity, intervalStart: f.interval(-1)) == ["idle": 900_000])
        for interval in [f.interval(-2), f.interval(-1), f.interval(0)] {
            let known = [200_000, 900_000, 660_000][[f.interval(-2), f.interval(-1), f.interval(0)].firstIndex(of: interval)!]
            for dimension in Dimension.allCases {
                #expect(f.durations("a1", dimension, intervalStart: interval).values.reduce(0, +) == known, "\(dimension) at \(interval)")
            }
        }
        #expect(f.entries("a1", .presence, intervalStart: f.interval(-2)) == ["ready": 1])
        #expect(f.entries("a1", .activity, intervalStart: f.interval(-2)) == ["idle": 1])
        #expect(f.entries("a1", .presence, intervalStart: f.interval(-1)) == ["withdrawn": 1])
        #expect(f.entries("a1", .reason, intervalStart: f.interval(-1)) == ["lunch": 1])
        #expect(f.entries("a1", .presence, intervalStart: f.interval(0)) == ["ready": 1])
    }

    @Test("a change of reason enters the new reason but not the presence again; withdrawals are counted by reason")
    func reasonChange() {
        var f = Fixture()
        f.advance(210_000)  // 20:30:10
        f.withdraw("a1", "lunch")
        f.advance(60_000)
        f.withdraw("a1", "break")
        f.advance(60_000)
        f.withdraw("a1", "lunch")
        f.advance(60_000)
        #expect(f.entries("a1", .presence, intervalStart: f.interval()) == ["withdrawn": 1])
        #expect(f.entries("a1", .reason, intervalStart: f.interval()) == ["lunch": 2, "break": 1])
        #expect(f.durations("a1", .reason, intervalStart: f.interval()) == ["lunch": 120_000, "break": 60_000])
    }

    @Test("logged-out time is not recorded; the agent is known again from its next message")
    func loggedOutTimeIsNotRecorded() {
        var f = Fixture()  // 20:26:40
        f.ready("a1")
        f.advance(100_000)
        f.logout("a1")
        f.advance(300_000)  // 20:33:20
        f.ready("a1")
        f.advance(50_000)
        #expect(f.durations("a1", .presence, intervalStart: f.interval(-1)) == ["ready": 100_000])
        #expect(f.durations("a1", .reason, intervalStart: f.interval(-1)) == ["ready": 100_000])
        #expect(f.durations("a1", .presence, intervalStart: f.interval()) == ["ready": 50_000])
        #expect(f.entries("a1", .presence, intervalStart: f.interval()) == ["ready": 1])
        #expect(f.reporter.agentReport("a1") != nil)
        f.logout("a1")
        #expect(f.reporter.agentReport("a1") == nil, "a logged-out agent has no live report")
        #expect(f.reporter.totals(at: f.now).figures.unavailable == 0, "and is not counted")
    }

    @Test("day granularity returns whole UTC days, the open day up to now")
    func dayGranularity() {
        var f = Fixture()  // 2026-05-28T20:26:40Z
        f.ready("a1")
        f.advance(12_800_000)  // midnight
        f.advance(600_000)  // 00:10 on the 29th
        let rows = f.agentRows(HistoryQuery(
            from: f.at(-4_200_000), to: f.at(-300_000), granularity: .day, agentId: "a1"))  // 23:00 – 00:05
        let presence = rows.filter { $0.dimension == .presence }
        #expect(presence.map(\.intervalStart.description) == ["2026-05-28T00:00:00.000Z", "2026-05-29T00:00:00.000Z"])
        #expect(presence.map(\.intervalEnd.description) == ["2026-05-29T00:00:00.000Z", "2026-05-30T00:00:00.000Z"])
        #expect(presence.map(\.durationMs) == [12_800_000, 600_000])
        #expect(presence.map(\.entries) == [1, 0])
    }

    @Test("a status not newer than the last one changes nothing")
    func outOfOrderStatus() throws {
        var f = Fixture()
        f.ready("a1")
        let ready = try #require(f.statuses["a1"])
        f.advance(60_000)
        f.withdraw("a1", "lunch")
        f.advance(60_000)
        let before = f.stored.agentRows
        #expect(f.send(.agentStatus(ready)) == .ignored(.outOfOrder))
        #expect(f.send(.agentStatus(f.statuses["a1"]!)) == .ignored(.outOfOrder), "a repeat")
        #expect(f.stored.agentRows == before)
        #expect(f.reporter.agentReport("a1")?.display == "lunch")
    }

    @Test("a restart in the middle of a state carries on from the stored position: nothing lost, nothing twice")
    func restartInTheMiddleOfAState() throws {
        var uninterrupted = Fixture()
        var f = Fixture()
        for fixture in [0, 1] {
            var g = fixture == 0 ? uninterrupted : f
            g.ready("a1")
            g.advance(300_000)
            g.withdraw("a1", "lunch")
            g.advance(400_000)
            if fixture == 0 { uninterrupted = g } else { f = g }
        }
        // The service stops; the stored tracks are all it has. It starts again 200 s later
        // and gets the retained status (the same version) first.
        f.reporter = Reporter(settings: .init(grid: Fixture.grid), tracks: Array(f.stored.tracks.values), day: f.now.utcDay)
        f.advance(200_000)
        #expect(f.send(.agentStatus(f.statuses["a1"]!)) == .ignored(.outOfOrder))
        f.ready("a1")
        f.advance(100_000)
        uninterrupted.advance(200_000)
        uninterrupted.ready("a1")
        uninterrupted.advance(100_000)
        for intervals in -2...0 {
            for dimension in Dimension.allCases {
                #expect(
                    f.durations("a1", dimension, intervalStart: f.interval(intervals))
                        == uninterrupted.durations("a1", dimension, intervalStart: f.interval(intervals)))
                #expect(
                    f.entries("a1", dimension, intervalStart: f.interval(intervals))
                        == uninterrupted.entries("a1", dimension, intervalStart: f.interval(intervals)))
            }
        }
    }

    @Test("a change missed while the service was down counts as the earlier state: the time still adds up")
    func missedChangeWhileDown() {
        var f = Fixture()  // 20:26:40
        f.ready("a1")
        let stored = f.stored  // what the database holds when the service stops
        f.advance(100_000)
        f.withdraw("a1", "lunch")  // never reaches the restarted service
        f.advance(100_000)
        f.withdraw("a1", "break")
        f.stored = stored
        f.reporter = Reporter(settings: .init(grid: Fixture.grid), tracks: Array(stored.tracks.values), day: f.now.utcDay)
        #expect(f.send(.agentStatus(f.statuses["a1"]!)) == .applied)
        f.advance(50_000)
        #expect(f.durations("a1", .reason, intervalStart: f.interval(-1)) == ["ready": 200_000])
        #expect(f.durations("a1", .reason, intervalStart: f.interval()) == ["break": 50_000])
    }

    @Test("an agent first seen with an old status is counted from at most a day back")
    func backfillLimit() {
        var f = Fixture()
        let status = AgentStatus(
            agentId: "a1", presence: .withdrawn, reason: "training", routable: false, staffed: true, connected: true,
            display: "training", since: f.at(-3 * 86_400_000), activitySince: f.at(-3 * 86_400_000), version: 9)
        f.send(.agentStatus(status))
        #expect(f.stored.tracks["a1"]?.accountedUntil == f.at(-86_400_000))
        let rows = f.agentRows(HistoryQuery(from: f.at(-5 * 86_400_000), to: f.now, granularity: .day, agentId: "a1"))
        #expect(rows.filter { $0.dimension == .reason }.map(\.durationMs).reduce(0, +) == 86_400_000)
    }

    @Test("intervals must divide a day; pieces cut at their boundaries")
    func grid() {
        #expect(IntervalGrid(minutes: 15) != nil)
        #expect(IntervalGrid(minutes: 7) == nil)
        #expect(IntervalGrid(minutes: 0) == nil)
        let grid = IntervalGrid(minutes: 60)!
        let start = Timestamp(millisecondsSinceEpoch: 3_000_000)  // 00:50
        let pieces = grid.pieces(from: start, to: start.advanced(byMilliseconds: 7_800_000))  // to 03:00
        #expect(pieces.map(\.durationMs) == [600_000, 3_600_000, 3_600_000])
        #expect(pieces.map(\.intervalStart.millisecondsSinceEpoch) == [0, 3_600_000, 7_200_000])
        #expect(grid.pieces(from: start, to: start).isEmpty)
        let before1970 = Timestamp(millisecondsSinceEpoch: -1)
        #expect(grid.start(of: before1970).millisecondsSinceEpoch == -3_600_000)
    }
}
