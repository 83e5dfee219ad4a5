import Foundation
import Hummingbird
import Logging
import Messages
import Reporting
import ServiceKit
import ServiceLifecycle

/// The reporting service's HTTP (DESIGN section 7): `/` the wall-board page, `/api/live`
/// and its server-sent events, `/api/history/agents` and `/api/history/queues` (JSON or
/// CSV), and `/metrics`.
enum ReportingHTTP {
    /// The longest history one request may ask for: 31 days of intervals, 366 of days.
    static let longestSpanMs: [HistoryQuery.Granularity: Int64] = [.interval: 31 * IntervalGrid.dayMs, .day: 366 * IntervalGrid.dayMs]

    static func router(store: HistoryStore, hub: LiveHub) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: WallboardPage.html)))
        }
        router.get("api/live") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: hub.current)))
        }
        router.get("api/live/events") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody(asyncSequence: hub.listen()))
        }
        router.get("api/history/agents") { request, _ in
            try await history(request) { query in try await store.agentRows(query, now: .now) }
        }
        router.get("api/history/queues") { request, _ in
            try await history(request) { query in try await store.queueRows(query) }
        }
        MetricsServer.addRoute(to: router)
        return router
    }

    /// Rows written per chunk of a history answer: the answer is sent as it is written, not
    /// built whole in memory first.
    static let rowsPerChunk = 5_000

    /// Answers a history request: reads its parameters, runs `rows`, writes JSON
    /// (`{"rows": [...]}`) or CSV (a header row first), a chunk at a time. A bad parameter
    /// is a 400 with `{"error": {"code", "message"}}`.
    private static func history<Row: HistoryRow>(
        _ request: Request, rows: (HistoryQuery) async throws -> [Row]
    ) async throws -> Response {
        let query: HistoryQuery
        let format: String
        do throws(MessageError) {
            (query, format) = try parse(Dictionary(
                request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 }))
        } catch {
            return failure(.badRequest, error.code, error.message)
        }
        let values = try await rows(query)
        if format == "csv" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(request.uri.path.split(separator: "/").last ?? "history")-\(query.from).csv\"",
                ],
                body: chunked(values, opening: CSV.line(Row.columns), closing: "") { row, text in text += CSV.line(row.csvFields) })
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: chunked(values, opening: #"{"rows":["#, closing: "]}", separator: ",") { row, text in row.writeJSON(into: &text) })
    }

    /// A body written `rowsPerChunk` rows at a time: `opening`, the rows (separated), `closing`.
    private static func chunked<Row: HistoryRow>(
        _ rows: [Row], opening: String, closing: String, separator: String = "",
        write: @escaping @Sendable (Row, inout String) -> Void
    ) -> ResponseBody {
        ResponseBody { writer in
            var text = opening
            for (index, row) in rows.enumerated() {
                if index > 0 { text += separator }
                write(row, &text)
                if (index + 1) % rowsPerChunk == 0 {
                    try await writer.write(ByteBuffer(string: text))
                    text = ""
                }
            }
            text += closing
            try await writer.write(ByteBuffer(string: text))
            try await writer.finish(nil)
        }
    }

    /// `from`, `to` (RFC 3339; by default the UTC day so far), `granularity`
    /// (`interval`|`day`), `agentId`, `queueId`, `format` (`json`|`csv`).
    static func parse(_ parameters: [String: String]) throws(MessageError) -> (HistoryQuery, String) {
        let known: Set<String> = ["from", "to", "granularity", "agentId", "queueId", "format"]
        if let unknown = parameters.first(where: { !known.contains($0.key) }) {
            throw MessageError(.invalidField, "unknown parameter '\(unknown.key)'; expected from, to, granularity, agentId, queueId, format")
        }
        func time(_ name: String) throws(MessageError) -> Timestamp? {
            guard let text = parameters[name] else { return nil }
            do throws(MessageError) {
                return try Timestamp(rfc3339: text)
            } catch {
                throw MessageError(.invalidField, "parameter '\(name)': \(error.message)")
            }
        }
        let to = try time("to") ?? .now
        let from = try time("from") ?? IntervalGrid.dayStart(of: to)
        guard from < to else { throw MessageError(.invalidField, "parameter 'from' must be before 'to'") }
        let granularityText = parameters["granularity"] ?? "interval"
        guard let granularity = HistoryQuery.Granularity(rawValue: granularityText) else {
            throw MessageError(.invalidField, "parameter 'granularity': expected interval or day, got '\(granularityText)'")
        }
        let longest = longestSpanMs[granularity]!
        guard Int64(to.milliseconds(since: from)) <= longest else {
            throw MessageError(
                .invalidField, "from–to may span at most \(longest / IntervalGrid.dayMs) days with granularity=\(granularity)")
        }
        let format = parameters["format"] ?? "json"
        guard format == "json" || format == "csv" else {
            throw MessageError(.invalidField, "parameter 'format': expected json or csv, got '\(format)'")
        }
        var query = HistoryQuery(from: from, to: to, granularity: granularity)
        if let text = parameters["agentId"] { query.agentId = try AgentID(text) }
        if let text = parameters["queueId"] { query.queueId = try QueueID(text) }
        return (query, format)
    }

    private static func failure(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String) -> Response {
        struct Failure: Encodable {
            struct Detail: Encodable {
                var code: String
                var message: String
            }
            var error: Detail
        }
        let body = (try? JSONEncoder().encode(Failure(error: .init(code: code.rawValue, message: message)))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The HTTP server as a service: it ends the live streams when the service group stops, so
/// that the server, which waits for open responses, can stop too.
struct ReportingHTTPService: Service {
    let application: Application<RouterResponder<BasicRequestContext>>
    let hub: LiveHub

    init(host: String, port: Int, store: HistoryStore, hub: LiveHub, logger: Logger) {
        self.hub = hub
        application = Application(
            router: ReportingHTTP.router(store: store, hub: hub),
            configuration: .init(address: .hostname(host, port: port), serverName: "reporting-service"), logger: logger)
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: {
            hub.finish()
        }
    }
}
