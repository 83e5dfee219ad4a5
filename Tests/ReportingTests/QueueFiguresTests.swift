import Messages
import Reporting
import TestLiterals
import Testing

/// Queue call figures per interval and today, and the live reports (DESIGN section 5).
@Suite("Queue figures and live reports")
struct QueueFiguresTests {
    @Test("queue events count once each into their interval and today: service level, speed of answer, overflow reasons")
    func callFigures() throws {
        var f = Fixture()
        f.define("q1", members: ["a1"], serviceLevelMs: 20000)
        for call in ["c1", "c2", "c3", "c4", "c5"] { f.queueEvent(.enqueued, CallID(stringLiteral: call)) }
        f.queueEvent(.agentOffered, "c1", waitedMs: 4000, offer: "o1")
        f.queueEvent(.connected, "c1", waitedMs: 5000, offer: "o1")
        f.queueEvent(.connected, "c2", waitedMs: 30000, offer: "o2")
        f.queueEvent(.abandoned, "c3", waitedMs: 9000)
        f.queueEvent(.overflowed, "c4", waitedMs: 60000, reason: .waitTime1)
        f.queueEvent(.overflowed, "c5", waitedMs: 0, reason: .waitTime2)
        // Repeats, as an at-least-once outbox may deliver them.
        #expect(f.queueEvent(.connected, "c1", waitedMs: 5000, offer: "o1") == .ignored(.duplicate))
        #expect(f.queueEvent(.enqueued, "c3") == .ignored(.duplicate))

        let today = try #require(f.reporter.queueReport("q1", at: f.now)?.figures.today)
        #expect(today.offered == 5)
        #expect(today.answered == 2)
        #expect(today.abandoned == 1)
        #expect(today.overflowed == 2)
        #expect(today.answeredWithinServiceLevel == 1)
        #expect(today.serviceLevel == 1.0 / 3.0)
        #expect(today.averageSpeedOfAnswerMs == 17500)
        #expect(today.averageHandleTimeMs == nil)

        let row = try #require(HistoryQuery(from: f.interval(), to: f.now).queueRows(stored: f.stored.queueRows, grid: Fixture.grid).first)
        #expect(row.intervalStart == f.interval())
        #expect([row.offered, row.answered, row.abandoned, row.overflowed, row.overflowedWaitTime1, row.overflowedWaitTime2] == [5, 2, 1, 2, 1, 1])
        #expect(row.serviceLevel == 1.0 / 3.0)
    }

    @Test("events of an unknown queue, or older than the event memory, are ignored and change no figure")
    func ignoredEvents() {
        var f = Fixture()
        f.define("q1", members: [])
        #expect(f.queueEvent(.enqueued, "c1", queue: "nope") == .ignored(.unknownQueue))
        #expect(f.queueEvent(.enqueued, "c1", at: f.at(-3 * 86_400_000)) == .ignored(.stale))
        #expect(f.stored.queueRows.isEmpty)
        #expect(f.reporter.queueReport("q1", at: f.now)?.figures.today.offered == 0)
    }

    @Test("handle time is talk plus wrap-up, counted for the queue when the handling ends")
    func handleTime() throws {
        var f = Fixture()  // 20:26:40
        f.define("q1", members: ["a1"])
        f.ready("a1")
        f.activity("a1", .ringing, call: "c1", queue: "q1")
        f.advance(5000)
        f.activity("a1", .onCall, call: "c1", queue: "q1")
        f.advance(200_000)  // talks across the 20:30 boundary
        f.activity("a1", .wrapUp, call: "c1", queue: "q1")
        f.advance(10_000)
        f.activity("a1", .idle)
        f.activity("a1", .onCall, call: "d1")  // a direct call: no queue's handle time
        f.advance(30_000)
        f.activity("a1", .idle)
        let rows = HistoryQuery(from: f.interval(-1), to: f.now).queueRows(stored: f.stored.queueRows, grid: Fixture.grid)
        #expect(rows.count == 1)
        #expect(rows.first?.intervalStart == f.interval())
        #expect(rows.first?.handled == 1)
        #expect(rows.first?.averageHandleTimeMs == 210_000)
        #expect(f.reporter.queueReport("q1", at: f.now)?.figures.today.averageHandleTimeMs == 210_000)
        #expect(f.durations("a1", .activity, intervalStart: f.interval()).keys.sorted() == ["idle", "on-call", "wrap-up"])
    }

    @Test("today's figures start again at UTC midnight; the history keeps the day before")
    func dayChange() throws {
        var f = Fixture()  // 20:26:40
        f.define("q1", members: [])
        f.advance(12_790_000)  // 23:59:50
        f.queueEvent(.enqueued, "c1")
        #expect(f.reporter.queueReport("q1", at: f.now)?.figures.today.offered == 1)
        f.advance(20_000)
        #expect(f.reporter.nextDeadline <= f.now)
        _ = f.reporter.takeDirty()
        f.reporter.advance(to: f.now)
        #expect(f.reporter.takeDirty().queues.contains("q1"))
        #expect(f.reporter.queueReport("q1", at: f.now)?.figures.today.offered == 0)
        let rows = HistoryQuery(from: f.at(-86_400_000), to: f.now, granularity: .day).queueRows(
            stored: f.stored.queueRows.reduce(into: [:]) { sum, row in
                sum[QueueRowKey(queueId: row.key.queueId, intervalStart: row.key.intervalStart.roundedDown(toMultipleOf: IntervalGrid.dayMs)), default: QueueTally()] += row.value
            }, grid: Fixture.grid)
        #expect(rows.map(\.offered) == [1])
        #expect(rows.first?.intervalStart.description == "2026-05-28T00:00:00.000Z")
    }

    @Test("a queue report counts its members (unknown ones as unavailable); totals count every known agent once")
    func liveCounts() throws {
        var f = Fixture()
        f.define("q1", members: ["a1", "a2", "a3"])
        f.define("q2", members: ["a1", "a4"])
        f.ready("a1")
        f.withdraw("a2", "lunch")
        f.ready("a4")
        f.activity("a4", .onCall, call: "c9", queue: "q2")
        f.ready("a5")  // in no queue
        f.logout("a5")
        f.ready("a6")
        f.send(.queueState(QueueState(
            queueId: "q1", waiting: 2, longestWaitMs: 30_000, staffed: 0, routable: 0, ringing: 0, onCall: 0, wrapUp: 0,
            withdrawn: 0, unavailable: 0, at: f.at(-5000))))

        let q1 = try #require(f.reporter.queueReport("q1", at: f.now))
        #expect(q1.name == "Queue q1")
        #expect([q1.figures.staffed, q1.figures.routable, q1.figures.withdrawn, q1.figures.unavailable, q1.figures.onCall] == [2, 1, 1, 1, 0])
        #expect(q1.figures.withdrawnByReason == ["lunch": 1])
        #expect(q1.figures.waiting == 2)
        #expect(q1.figures.longestWaitMs == 35_000, "carried on to the report's time")
        let totals = f.reporter.totals(at: f.now).figures
        #expect([totals.staffed, totals.routable, totals.onCall, totals.withdrawn, totals.unavailable] == [4, 2, 1, 1, 0])
        #expect(totals.waiting == 2)
        #expect(f.reporter.agentReport("a1")?.queues == ["q1", "q2"])
        #expect(f.reporter.agentReport("a6")?.queues == [])
        #expect(f.reporter.agentReport("a5") == nil)
        let live = f.reporter.liveReport(at: f.now)
        #expect(live.queues.map(\.queueId) == ["q1", "q2"])
        #expect(live.agents.map(\.agentId) == ["a1", "a2", "a4", "a6"])

        _ = f.reporter.takeDirty()
        f.send(.definition(QueueDefinition(queueId: "q2", name: "Two", members: [.init(agentId: "a4")])))
        let dirty = f.reporter.takeDirty()
        #expect(dirty.queues == ["q2"])
        #expect(dirty.agents == ["a1"], "a1 left q2: its report's queues change")
        f.send(.definitionDeleted("q2"))
        #expect(f.reporter.queueReport("q2", at: f.now) == nil)
        #expect(f.reporter.agentReport("a4")?.queues == [])
    }

    @Test("display since: when the label last changed")
    func displaySince() throws {
        var f = Fixture()
        f.ready("a1")
        let readyAt = f.now
        f.advance(1000)
        f.status("a1") { $0.connected = false }
        #expect(f.reporter.agentReport("a1")?.displaySince == readyAt)
        f.advance(1000)
        f.withdraw("a1", "break")
        #expect(f.reporter.agentReport("a1")?.displaySince == f.now)
        #expect(f.reporter.agentReport("a1")?.display == "break")
    }

    @Test("CSV: a header row, then the rows; fields with commas or quotes are quoted")
    func csv() {
        let text = CSV.document(columns: ["a", "b"], rows: [["1", "x,y"], ["say \"hi\"", ""]])
        #expect(text == "a,b\r\n1,\"x,y\"\r\n\"say \"\"hi\"\"\",\r\n")
    }
}

/// The rows as the history API writes them.
@Suite("History rows as JSON and CSV")
struct HistoryRowTests {
    @Test("a row is one JSON object with DESIGN's keys in order; nulls where there is nothing to average; states escaped")
    func json() throws {
        let start = Timestamp(millisecondsSinceEpoch: 1_780_000_200_000)
        let end = start.advanced(byMilliseconds: 900_000)
        var tally = QueueTally()
        tally.offered = 3
        tally.answered = 2
        tally.answerWaitMs = 3_001
        let queueRow = QueueHistoryRow(queueId: "q1", intervalStart: start, intervalEnd: end, tally: tally)
        var text = ""
        queueRow.writeJSON(into: &text)
        #expect(text == #"{"queueId":"q1","intervalStart":"2026-05-28T20:30:00.000Z","intervalEnd":"2026-05-28T20:45:00.000Z","offered":3,"answered":2,"abandoned":0,"overflowed":0,"overflowedWaitTime1":0,"overflowedWaitTime2":0,"answeredWithinServiceLevel":0,"serviceLevel":0.0,"averageSpeedOfAnswerMs":1501,"averageHandleTimeMs":null,"handled":0}"#)

        let agentRow = AgentHistoryRow(
            agentId: "a1", intervalStart: start, intervalEnd: end, dimension: .reason, state: "odd\"\\\n\u{1}", durationMs: 5, entries: 1)
        text = ""
        agentRow.writeJSON(into: &text)
        #expect(text == #"{"agentId":"a1","intervalStart":"2026-05-28T20:30:00.000Z","intervalEnd":"2026-05-28T20:45:00.000Z","dimension":"reason","state":"odd\"\\\n\u0001","durationMs":5,"entries":1}"#)
        #expect(CSV.line(agentRow.csvFields).hasPrefix("a1,2026-05-28T20:30:00.000Z,2026-05-28T20:45:00.000Z,reason,\"odd\"\"\\\n\u{1}\",5,1"))
    }
}
