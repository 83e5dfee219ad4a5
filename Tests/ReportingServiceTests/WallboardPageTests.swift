import Foundation
import ReportingService
import Testing
import TestSupport

/// The wall-board page in a real (headless) Chromium: loaded from a file, fed reports through
/// `window.wallboard.render`, and read back through the DOM the way a supervisor sees it.
@Suite("wall-board page in Chromium", .serialized)
struct WallboardPageTests {
    @Test("a live report shows its figures: the totals, a tile per queue, a row per agent, in id order")
    func showsFigures() async throws {
        try await withWallboard { page, _ in
            // Rendered and read in one go: the waits and times in state tick every second.
            let seen = try await page.evaluate(
                """
                (() => {
                  wallboard.render(\(SampleReport.sample.json));
                  return {
                    wait: text('[data-queue=sales] [data-field=longestWaitMs]'),
                    inState: text('[data-agent="a-1017"] [data-field=displaySince]'),
                  };
                })()
                """.withHelpers, as: [String: Any].self)
            #expect(seen["wait"] as? String == "0:48")
            #expect(seen["inState"] as? String == "0:04:02")

            #expect(try await page.texts("[data-queue]", attribute: "queue") == ["sales", "support"])
            #expect(try await page.text("[data-queue=sales] [data-field=name]") == "Sales")
            #expect(try await page.text("[data-queue=sales] [data-field=waiting]") == "3")
            #expect(try await page.text("[data-queue=sales] [data-field=serviceLevel]") == "83%")
            #expect(try await page.text("[data-queue=sales] [data-field=routable]") == "1")
            #expect(try await page.text("[data-queue=sales] [data-field=onCall]") == "2")
            #expect(try await page.text("[data-queue=sales] [data-field=offered]") == "120")
            #expect(try await page.text("[data-queue=sales] [data-field=abandoned]") == "8")
            #expect(try await page.text("[data-queue=sales] [data-field=overflowed]") == "4")
            #expect(try await page.text("[data-queue=sales] [data-field=averageSpeedOfAnswerMs]") == "0:14")
            #expect(try await page.text("[data-queue=sales] [data-field=averageHandleTimeMs]") == "3:30")
            #expect(try await page.text("[data-queue=sales] [data-field=withdrawnByReason] [data-reason=lunch]") == "lunch 1")
            #expect(try await page.text("[data-queue=support] [data-field=serviceLevel]") == "—", "null is a dash")
            #expect(try await page.text("[data-queue=support] [data-field=averageHandleTimeMs]") == "—")
            #expect(try await page.attribute("[data-queue=support]", "urgency") == "alert", "calls wait, nobody is routable")
            #expect(try await page.attribute("[data-queue=sales]", "urgency") == "busy")

            #expect(try await page.text("#totals [data-field=waiting]") == "5")
            #expect(try await page.text("#totals [data-field=serviceLevel]") == "80%")
            #expect(try await page.text("#totals [data-field=answered]") == "160")
            #expect(try await page.text("#totals [data-field=withdrawnByReason] [data-reason=training]") == "training 1")

            #expect(try await page.texts("[data-agent]", attribute: "agent") == ["a-1017", "b-2", "c-3", "d-4", "e-5", "maria.k"])
            #expect(try await page.text("[data-agent=\"maria.k\"] [data-field=display]") == "lunch")
            #expect(try await page.text("[data-agent=\"maria.k\"] [data-field=queues]") == "sales, support")
            let states = try await page.texts("[data-agent]", attribute: "state")
            #expect(states == ["on-call", "available", "wrap-up", "unavailable", "ringing", "withdrawn"])
            #expect(try await page.text("#agent-count") == "6")

            // Between reports the longest wait ticks on by itself.
            try await page.waitUntil(
                // 0:49 or, on a busy machine that skipped a tick, a little more.
                "/^0:(49|5[0-9])$/.test(document.querySelector('[data-queue=sales] [data-field=longestWaitMs]').textContent)",
                timeout: .seconds(5))
        }
    }

    @Test("a later report updates the same elements, adds the new and removes queues and agents that are gone")
    func followsReports() async throws {
        try await withWallboard { page, _ in
            try await page.evaluate("wallboard.render(\(SampleReport.sample.json)); window.salesTile = document.querySelector('[data-queue=sales]')")
            var next = SampleReport.sample
            next.queues.removeAll { $0.id == "support" }
            next.queues[0].waiting = 1
            next.queues[0].serviceLevel = 0.5
            next.queues[0].withdrawnByReason = ["break": 2]
            next.agents.removeAll { $0.id == "maria.k" }
            next.agents.append(.init(id: "b-3", display: "available", presence: "ready", activity: "idle"))
            try await page.evaluate("wallboard.render(\(next.json))")

            #expect(try await page.texts("[data-queue]", attribute: "queue") == ["sales"])
            #expect(try await page.evaluate("document.querySelector('[data-queue=sales]') === window.salesTile", as: Bool.self),
                    "the tile is updated in place")
            #expect(try await page.text("[data-queue=sales] [data-field=waiting]") == "1")
            #expect(try await page.text("[data-queue=sales] [data-field=serviceLevel]") == "50%")
            #expect(try await page.texts("[data-queue=sales] [data-reason]", attribute: "reason") == ["break"])
            #expect(try await page.texts("[data-agent]", attribute: "agent") == ["a-1017", "b-2", "b-3", "c-3", "d-4", "e-5"])
            #expect(try await page.text("#agent-count") == "6")
        }
    }

    @Test("names, ids and reasons are shown as text, never run as markup")
    func hostileText() async throws {
        try await withWallboard { page, _ in
            let hostile = #"<img src=x onerror="window.attacked = true">"#
            var report = SampleReport.sample
            let sales = try #require(report.queues.firstIndex { $0.id == "sales" })
            report.queues[sales].name = hostile
            report.queues[sales].withdrawnByReason = ["<b>lunch</b>": 1]
            let agent = try #require(report.agents.firstIndex { $0.id == "a-1017" })
            report.agents[agent].display = "<script>window.attacked = true</script>"
            try await page.evaluate("wallboard.render(\(report.json))")
            try await Task.sleep(for: .milliseconds(300)) // time for an image error to fire, were there one

            let name = try await page.text("[data-queue=sales] [data-field=name]")
            #expect(name == hostile)
            let reason = try await page.text("[data-queue=sales] [data-field=withdrawnByReason] span")
            #expect(reason == "<b>lunch</b> 1")
            let display = try await page.text("[data-agent=\"a-1017\"] [data-field=display]")
            #expect(display == "<script>window.attacked = true</script>")
            #expect(try await page.evaluate("document.querySelectorAll('img, b, [data-queue] script').length", as: Int.self) == 0)
            #expect(try await page.evaluate("window.attacked === undefined", as: Bool.self))
        }
    }

    @Test("without a live stream (a file has no /api/live/events) the indicator says reconnecting")
    func reconnecting() async throws {
        try await withWallboard { page, _ in
            try await page.waitUntil(
                "document.getElementById('connection').dataset.state === 'reconnecting'"
                    + " && document.getElementById('connection').textContent === 'reconnecting…'",
                timeout: .seconds(10))
        }
    }

    @Test("5000 agents: rows are updated in place, and a report with one change is quick to show")
    func manyAgents() async throws {
        try await withWallboard { page, _ in
            // Built in the page: 5000 agents, then the same report with one agent changed.
            let timings = try await page.evaluate(
                """
                (() => {
                  const report = \(SampleReport.sample.json);
                  report.agents = Array.from({ length: 5000 }, (_, i) => ({
                    agentId: 'agent-' + String(i).padStart(4, '0'), display: 'available', presence: 'ready',
                    reason: null, activity: 'idle', displaySince: '2026-11-24T09:00:00.000Z', queues: ['sales'] }));
                  let started = performance.now();
                  wallboard.render(report);
                  const first = performance.now() - started;
                  const row = document.querySelector('[data-agent="agent-2500"]');
                  report.agents[2500] = { ...report.agents[2500], display: 'on-call', activity: 'on-call' };
                  started = performance.now();
                  wallboard.render(report);
                  const next = performance.now() - started;
                  return { first, next, same: document.querySelector('[data-agent="agent-2500"]') === row,
                           rows: document.querySelectorAll('[data-agent]').length };
                })()
                """, as: [String: Any].self)
            let milliseconds = { (key: String) in (timings[key] as? Double).map { String(Int($0)) } ?? "?" }
            print("wall-board, 5000 agents: the first render took \(milliseconds("first")) ms, the next \(milliseconds("next")) ms")
            #expect(timings["rows"] as? Int == 5000)
            #expect(timings["same"] as? Bool == true)
            #expect((timings["next"] as? Double ?? .infinity) < 500)
            #expect(try await page.attribute("[data-agent=\"agent-2500\"]", "state") == "on-call")
        }
    }

    @Test("a screenshot of a busy centre, for a person to look at")
    func screenshot() async throws {
        try await withWallboard(keep: true) { page, directory in
            try await page.evaluate("wallboard.render(\(SampleReport.busyCentre.json))")
            let screen = directory.appendingPathComponent("wallboard.png")
            try await page.screenshot(to: screen)
            let whole = directory.appendingPathComponent("wallboard-full.png")
            try await page.screenshot(to: whole, fullPage: true)
            for file in [screen, whole] {
                let png = try Data(contentsOf: file)
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                #expect(png.count > 20_000, "a page of figures, not a blank one")
                print("wall-board screenshot: \(file.path)")
            }
        }
    }

    @Test("Chromium: an exception and an unmet condition are errors that say what the page showed")
    func driverErrors() async throws {
        try await withWallboard { page, _ in
            await #expect(throws: ChromiumError.self) { try await page.evaluate("nosuchthing.at.all") }
            do {
                try await page.waitUntil("document.title === 'never'", timeout: .milliseconds(300))
                Issue.record("the condition cannot be true")
            } catch let ChromiumError.conditionNotMet(message) {
                #expect(message.contains("the last value was false"))
                #expect(message.contains("Agents"), "the page's text")
            }
        }
    }

    @Test("Chromium: a command with no answer in time fails instead of hanging, and the browser goes on")
    func driverTimeout() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("cc-test-chromium-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let browser = try Chromium.launch(logFile: log, commandTimeout: .seconds(5))
        defer { browser.close() }
        try await browser.open("about:blank")
        let started = ContinuousClock.now
        do {
            try await browser.evaluate("new Promise(() => {})")
            Issue.record("a promise that never settles cannot have a value")
        } catch let ChromiumError.timedOut(what) {
            #expect(what.contains("Runtime.evaluate"))
        }
        #expect(ContinuousClock.now - started < .seconds(8))
        #expect(try await browser.evaluate("1 + 1", as: Int.self) == 2)
    }
}

/// The wall-board page written to a temporary folder, opened in a fresh Chromium; both are gone
/// afterwards (the folder stays with `keep`, for a screenshot).
private func withWallboard(keep: Bool = false, _ body: (Chromium, URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cc-test-wallboard-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
    let file = directory.appendingPathComponent("wallboard.html")
    try WallboardPage.html.write(to: file, atomically: true, encoding: .utf8)
    let browser = try Chromium.launch(logFile: directory.appendingPathComponent("chromium.log"))
    defer { browser.close() }
    try await browser.open(file.absoluteString)
    try await body(browser, directory)
}

extension String {
    /// The expression with `text(selector)` defined: the textContent of the first match, or null.
    var withHelpers: String {
        "(() => { const text = s => document.querySelector(s)?.textContent ?? null; return \(self); })()"
    }

    /// As a JavaScript (JSON) string literal.
    var javaScriptLiteral: String {
        String(decoding: try! JSONEncoder().encode(self), as: UTF8.self)
    }
}

extension Chromium {
    /// Waits until the text of the first element `selector` matches is `expected`.
    func waitForText(_ selector: String, _ expected: String, timeout: Duration = .seconds(10)) async throws {
        try await waitUntil(
            "(document.querySelector(\(selector.javaScriptLiteral))?.textContent ?? null) === \(expected.javaScriptLiteral)",
            timeout: timeout)
    }


    /// The text of the first element `selector` matches (nil when none does).
    func text(_ selector: String) async throws -> String? {
        try await evaluate("document.querySelector(\(selector.javaScriptLiteral))?.textContent ?? null") as? String
    }

    /// The `data-<attribute>` of the first element `selector` matches.
    func attribute(_ selector: String, _ attribute: String) async throws -> String? {
        try await evaluate("document.querySelector(\(selector.javaScriptLiteral))?.dataset[\(attribute.javaScriptLiteral)] ?? null") as? String
    }

    /// The `data-<attribute>` of every element `selector` matches, in document order.
    func texts(_ selector: String, attribute: String) async throws -> [String] {
        try await evaluate(
            "[...document.querySelectorAll(\(selector.javaScriptLiteral))].map(e => e.dataset[\(attribute.javaScriptLiteral)])",
            as: [String].self)
    }
}

/// A live report as the reporting service sends it (`GET /api/live`, `event: live`), as JSON.
private struct SampleReport {
    struct Queue {
        var id: String
        var name: String
        var waiting = 0
        var longestWaitMs = 0
        var staffed = 5, routable = 1, ringing = 1, onCall = 2, wrapUp = 0, unavailable = 2
        var withdrawnByReason: [String: Int] = [:]
        var offered = 120, answered = 100, abandoned = 8, overflowed = 4
        var serviceLevel: Double? = 0.8333
        var averageSpeedOfAnswerMs: Int? = 14_000
        var averageHandleTimeMs: Int? = 210_000

        func object(at: String) -> [String: Any] {
            [
                "queueId": id, "name": name, "at": at, "waiting": waiting, "longestWaitMs": longestWaitMs,
                "staffed": staffed, "routable": routable, "ringing": ringing, "onCall": onCall, "wrapUp": wrapUp,
                "withdrawn": withdrawnByReason.values.reduce(0, +), "withdrawnByReason": withdrawnByReason,
                "unavailable": unavailable,
                "today": [
                    "offered": offered, "answered": answered, "abandoned": abandoned, "overflowed": overflowed,
                    "answeredWithinServiceLevel": Int((serviceLevel ?? 0) * Double(answered + abandoned)),
                    "serviceLevel": orNull(serviceLevel),
                    "averageSpeedOfAnswerMs": orNull(averageSpeedOfAnswerMs),
                    "averageHandleTimeMs": orNull(averageHandleTimeMs),
                ] as [String: Any],
            ]
        }
    }

    struct Agent {
        var id: String
        var display: String
        var since = "2026-11-24T09:10:00.000Z"
        var presence: String
        var reason: String?
        var activity: String
        var queues = ["sales"]

        var object: [String: Any] {
            [
                "agentId": id, "display": display, "displaySince": since, "presence": presence,
                "reason": orNull(reason), "activity": activity, "queues": queues,
            ]
        }
    }

    var at = "2026-11-24T09:14:02.000Z"
    var queues: [Queue]
    var agents: [Agent]
    var totals: Queue

    var json: String {
        var totals = totals.object(at: at)
        totals["queueId"] = nil
        totals["name"] = nil
        let report: [String: Any] = [
            "at": at, "queues": queues.map { $0.object(at: at) }, "agents": agents.map(\.object), "totals": totals,
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The sample of the brief: Sales with calls waiting and an agent free, Support with a
    /// call waiting and nobody to take it; six agents, one in each colour.
    static let sample = SampleReport(
        queues: [
            Queue(id: "support", name: "Support", waiting: 2, longestWaitMs: 95_000, staffed: 2, routable: 0, ringing: 0,
                  onCall: 1, unavailable: 0, withdrawnByReason: ["lunch": 1], offered: 44, answered: 60, abandoned: 0,
                  overflowed: 0, serviceLevel: nil, averageSpeedOfAnswerMs: nil, averageHandleTimeMs: nil),
            Queue(id: "sales", name: "Sales", waiting: 3, longestWaitMs: 48_000, withdrawnByReason: ["lunch": 1]),
        ],
        agents: [
            Agent(id: "maria.k", display: "lunch", since: "2026-11-24T08:55:00.000Z", presence: "withdrawn", reason: "lunch",
                  activity: "idle", queues: ["sales", "support"]),
            Agent(id: "a-1017", display: "on-call", presence: "ready", activity: "on-call"),
            Agent(id: "b-2", display: "available", presence: "ready", activity: "idle"),
            Agent(id: "c-3", display: "wrap-up", presence: "withdrawn", reason: "break", activity: "wrap-up"),
            Agent(id: "d-4", display: "logged-out", presence: "unavailable", reason: "logged-out", activity: "idle"),
            Agent(id: "e-5", display: "ringing", presence: "ready", activity: "ringing", queues: ["support"]),
        ],
        totals: Queue(id: "", name: "", waiting: 5, longestWaitMs: 95_000, staffed: 6, routable: 1, ringing: 1, onCall: 1,
                      wrapUp: 1, unavailable: 1, withdrawnByReason: ["lunch": 1, "training": 1], offered: 164,
                      answered: 160, abandoned: 8, overflowed: 4, serviceLevel: 0.8))

    /// A fuller centre for the screenshot: six queues in every condition and 40 agents.
    static var busyCentre: SampleReport {
        let names = ["Sales", "Support", "Billing", "Renewals", "Technical — level 2", "Complaints"]
        let ids = ["sales", "support", "billing", "renewals", "technical", "complaints"]
        let queues = names.enumerated().map { index, name in
            Queue(
                id: ids[index], name: name, waiting: [3, 2, 0, 0, 7, 1][index],
                longestWaitMs: [48_000, 95_000, 0, 0, 312_000, 21_000][index], staffed: [8, 2, 4, 0, 6, 3][index],
                routable: [1, 0, 2, 0, 0, 1][index], ringing: [1, 0, 0, 0, 0, 1][index], onCall: [4, 1, 1, 0, 5, 1][index],
                wrapUp: [1, 0, 1, 0, 1, 0][index], unavailable: [2, 1, 0, 3, 1, 0][index],
                withdrawnByReason: [["lunch": 1], ["lunch": 1], [:], [:], ["training": 1, "no-answer": 1], [:]][index],
                offered: [120, 64, 51, 0, 230, 12][index], answered: [100, 60, 50, 0, 180, 10][index],
                abandoned: [8, 4, 1, 0, 38, 1][index], overflowed: [4, 0, 0, 0, 12, 1][index],
                serviceLevel: [0.8333, 0.62, 0.96, nil, 0.41, 0.9][index],
                averageSpeedOfAnswerMs: [14_000, 31_000, 6_000, nil, 74_000, 9_000][index],
                averageHandleTimeMs: [210_000, 342_000, 185_000, nil, 498_000, 260_000][index])
        }
        let kinds: [(display: String, presence: String, reason: String?, activity: String)] = [
            ("on-call", "ready", nil, "on-call"), ("available", "ready", nil, "idle"), ("on-call", "ready", nil, "on-call"),
            ("wrap-up", "ready", nil, "wrap-up"), ("ringing", "ready", nil, "ringing"), ("lunch", "withdrawn", "lunch", "idle"),
            ("on-call", "ready", nil, "on-call"), ("break", "withdrawn", "break", "idle"), ("offline", "unavailable", nil, "idle"),
            ("no-answer", "withdrawn", "no-answer", "idle"),
        ]
        let agents = (1...40).map { number in
            let kind = kinds[number % kinds.count]
            let minutes = (number * 7) % 55
            return Agent(
                id: String(format: "agent-%03d", number), display: kind.display,
                since: String(format: "2026-11-24T%02d:%02d:00.000Z", 9 - (minutes > 14 ? 1 : 0), (14 - minutes + 60) % 60),
                presence: kind.presence, reason: kind.reason, activity: kind.activity,
                queues: [queues[number % queues.count].id] + (number % 3 == 0 ? [queues[(number + 1) % queues.count].id] : []))
        }
        return SampleReport(
            queues: queues, agents: agents,
            totals: Queue(id: "", name: "", waiting: 13, longestWaitMs: 312_000, staffed: 23, routable: 4, ringing: 2,
                          onCall: 12, wrapUp: 3, unavailable: 7, withdrawnByReason: ["lunch": 2, "training": 1, "no-answer": 1],
                          offered: 477, answered: 400, abandoned: 52, overflowed: 17, serviceLevel: 0.71,
                          averageSpeedOfAnswerMs: 32_000, averageHandleTimeMs: 301_000))
    }
}

/// JSON null for nil.
private func orNull<Value>(_ value: Value?) -> Any {
    value.map { $0 as Any } ?? NSNull()
}
