import Foundation
import Messages
import Testing

@Suite("Report payloads")
struct ReportPayloadTests {
    let at: Timestamp

    init() throws {
        at = try Timestamp(rfc3339: "2026-11-23T14:05:00.250Z")
    }

    var sales: QueueReport {
        get throws {
            QueueReport(
                queueId: try QueueID("sales"), name: "Sales",
                figures: LiveFigures(
                    at: at, waiting: 2, longestWaitMs: 41250, staffed: 4, routable: 0, ringing: 1, onCall: 1, wrapUp: 0,
                    withdrawn: 2, withdrawnByReason: [try ReasonID("lunch"): 1, try ReasonID("no-answer"): 1],
                    unavailable: 1,
                    today: DayFigures(
                        offered: 129, answered: 112, abandoned: 8, overflowed: 6, answeredWithinServiceLevel: 96,
                        serviceLevel: 0.8, averageSpeedOfAnswerMs: 14250, averageHandleTimeMs: 241_800)))
        }
    }

    static let figureKeys: Set<String> = [
        "at", "waiting", "longestWaitMs", "staffed", "routable", "ringing", "onCall", "wrapUp", "withdrawn",
        "withdrawnByReason", "unavailable", "today",
    ]
    static let dayKeys: Set<String> = [
        "offered", "answered", "abandoned", "overflowed", "answeredWithinServiceLevel", "serviceLevel",
        "averageSpeedOfAnswerMs", "averageHandleTimeMs",
    ]

    /// `payload` encoded, changed by `change`, as JSON text.
    func changed<P: Payload>(_ payload: P, _ change: (inout [String: Any]) -> Void) throws -> String {
        var object = try jsonObject(payload)
        change(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("a queue report is one flat object: queueId, name and the live figures, no 'figures' key")
    func queueReportIsFlat() throws {
        let object = try jsonObject(try sales)
        #expect(Set(object.keys) == Self.figureKeys.union(["queueId", "name"]))
        #expect(object["figures"] == nil)
        #expect(object["queueId"] as? String == "sales")
        #expect(object["name"] as? String == "Sales")
        #expect(object["waiting"] as? Int == 2)
        #expect(object["at"] as? String == "2026-11-23T14:05:00.250Z")
        let today = try #require(object["today"] as? [String: Any])
        #expect(Set(today.keys) == Self.dayKeys)
        #expect(today["serviceLevel"] as? Double == 0.8)
        #expect(try decode(QueueReport.self, changed(try sales) { _ in }) == (try sales))
    }

    @Test("the totals report is exactly the live figures, flat, with keys sorted like every payload")
    func totalsReportIsFlat() throws {
        let totals = TotalsReport(
            figures: LiveFigures(
                at: at, waiting: 0, longestWaitMs: 0, staffed: 0, routable: 0, ringing: 0, onCall: 0, wrapUp: 0,
                withdrawn: 0, unavailable: 2))
        #expect(Set(try jsonObject(totals).keys) == Self.figureKeys)
        let text = String(decoding: try codec.encode(totals), as: UTF8.self)
        #expect(text == #"""
            {"at":"2026-11-23T14:05:00.250Z","longestWaitMs":0,"onCall":0,"ringing":0,"routable":0,"staffed":0,\#
            "today":{"abandoned":0,"answered":0,"answeredWithinServiceLevel":0,"averageHandleTimeMs":null,\#
            "averageSpeedOfAnswerMs":null,"offered":0,"overflowed":0,"serviceLevel":null},"unavailable":2,\#
            "waiting":0,"withdrawn":0,"withdrawnByReason":{},"wrapUp":0}
            """#)
    }

    @Test("the day's ratio and averages are written as null when nil, and read when absent")
    func nullKeysAlwaysWritten() throws {
        var night = try sales
        night.figures.today = .zero
        let today = try #require(try jsonObject(night)["today"] as? [String: Any])
        for key in ["serviceLevel", "averageSpeedOfAnswerMs", "averageHandleTimeMs"] {
            #expect(today[key] is NSNull, "\(key) should be null")
        }
        #expect(DayFigures.zero == DayFigures(
            offered: 0, answered: 0, abandoned: 0, overflowed: 0, answeredWithinServiceLevel: 0,
            serviceLevel: nil, averageSpeedOfAnswerMs: nil, averageHandleTimeMs: nil))
        let withoutNulls = try changed(night) {
            $0["today"] = ["offered": 0, "answered": 0, "abandoned": 0, "overflowed": 0, "answeredWithinServiceLevel": 0]
        }
        #expect(try decode(QueueReport.self, withoutNulls) == night)
    }

    @Test("an agent report always writes its reason, null when there is none")
    func agentReportReason() throws {
        let idle = AgentReport(
            agentId: try AgentID("a-1017"), display: "available", displaySince: at, presence: .ready,
            queues: [try QueueID("support")])
        let object = try jsonObject(idle)
        #expect(Set(object.keys) == ["agentId", "display", "displaySince", "presence", "reason", "activity", "queues"])
        #expect(object["reason"] is NSNull)
        #expect(object["queues"] as? [String] == ["support"])
        #expect(try decode(AgentReport.self, changed(idle) { $0["reason"] = nil }) == idle)
        let lunch = try changed(idle) {
            $0["presence"] = "withdrawn"
            $0["reason"] = NSNull()
        }
        let error = decodingError(AgentReport.self, lunch)
        #expect(error?.code == .missingField)
        #expect(error?.message == "field 'reason': required when presence is withdrawn")
        let twice = decodingError(AgentReport.self, try changed(idle) { $0["queues"] = ["support", "support"] })
        #expect(twice?.message == "field 'queues[1]': queue 'support' is listed twice")
    }

    @Test("withdrawnByReason is a JSON object reason → count, and reads back")
    func withdrawnByReasonIsAnObject() throws {
        let text = String(decoding: try codec.encode(try sales), as: UTF8.self)
        #expect(text.contains(#""withdrawnByReason":{"lunch":1,"no-answer":1}"#))
        let decoded = try decode(QueueReport.self, text)
        #expect(decoded.figures.withdrawnByReason == [try ReasonID("lunch"): 1, try ReasonID("no-answer"): 1])
        #expect(decoded == (try sales))
    }

    @Test("negative counts, a service level above 1 and a bad reason key are refused, naming the field")
    func rejections() throws {
        let cases: [(change: (inout [String: Any]) -> Void, code: ErrorCode, message: String)] = [
            ({ $0["waiting"] = -1 }, .invalidField, "field 'waiting': must be at least 0, got -1"),
            ({ $0["today"] = Self.today(["answered": -3]) }, .invalidField, "field 'today.answered': must be at least 0, got -3"),
            (
                { $0["today"] = Self.today(["serviceLevel": 1.5]) }, .invalidField,
                "field 'today.serviceLevel': must be from 0.0 to 1.0, got 1.5"
            ),
            (
                { $0["today"] = Self.today(["averageHandleTimeMs": 12.5]) }, .invalidField,
                "field 'today.averageHandleTimeMs': expected an integer, got 12.5"
            ),
            (
                { $0["withdrawnByReason"] = ["lunch": -1] }, .invalidField,
                "field 'withdrawnByReason.lunch': must be at least 0, got -1"
            ),
            (
                { $0["withdrawnByReason"] = ["long lunch": 1] }, .invalidID,
                "field 'withdrawnByReason': reason id 'long lunch' is invalid: character U+20 is not allowed "
                    + "(an id is 1–64 ASCII letters, digits, '-', '_' or '.')"
            ),
            ({ $0["withdrawnByReason"] = ["lunch", 1] as [Any] }, .invalidField, "field 'withdrawnByReason': expected an object"),
            ({ $0["name"] = "" }, .invalidField, "field 'name': must not be empty"),
            ({ $0["today"] = nil }, .missingField, "field 'today': is required"),
        ]
        for (change, code, message) in cases {
            let error = decodingError(QueueReport.self, try changed(try sales, change))
            #expect(error?.code == code, "\(message)")
            #expect(error?.message == message)
        }
        #expect(decodingError(QueueReport.self, try changed(try sales) { $0["today"] = Self.today(["serviceLevel": 1]) }) == nil)
    }

    @Test("the live report holds the three reports and names the element of a bad one")
    func liveReport() throws {
        let totals = TotalsReport(figures: try sales.figures)
        let live = LiveReport(at: at, queues: [try sales], agents: [], totals: totals)
        let object = try jsonObject(live)
        #expect(Set(object.keys) == ["at", "queues", "agents", "totals"])
        #expect(Set(try #require(object["totals"] as? [String: Any]).keys) == Self.figureKeys)
        let queues = try #require(object["queues"] as? [[String: Any]])
        #expect(queues.first?["queueId"] as? String == "sales")
        let bad = try changed(live) {
            var queue = queues[0]
            queue["ringing"] = -1
            $0["queues"] = [queue]
        }
        #expect(decodingError(LiveReport.self, bad)?.message == "field 'queues[0].ringing': must be at least 0, got -1")
    }

    /// The `today` object of ``sales`` with `changes` applied.
    static func today(_ changes: [String: Any]) -> [String: Any] {
        var today: [String: Any] = [
            "offered": 129, "answered": 112, "abandoned": 8, "overflowed": 6, "answeredWithinServiceLevel": 96,
            "serviceLevel": 0.8, "averageSpeedOfAnswerMs": 14250, "averageHandleTimeMs": 241_800,
        ]
        today.merge(changes) { $1 }
        return today
    }
}
