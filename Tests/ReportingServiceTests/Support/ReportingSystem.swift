import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MQTT
import Messages
import TestLiterals
import TestSupport

/// The real `status-service` and `reporting-service` (and, when asked, a `queue-service`
/// worker) against a test broker; the reporting service's HTTP on a free loopback port.
struct ReportingSystem {
    let bus: Bus
    let broker: Broker
    let status: ServiceProcess
    var reporting: ServiceProcess
    var queue: ServiceProcess?
    let httpPort: Int
    let reportingOptions: [String]

    var reportingData: URL { broker.directory.appendingPathComponent("reporting-data") }

    /// Starts the reporting service (again, after a kill: same data directory and port).
    static func startReporting(bus: Bus, broker: Broker, httpPort: Int, options: [String]) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "reporting-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("reporting-data"),
            observer: bus.client, options: ["--http-port", "\(httpPort)", "--http-host", "127.0.0.1"] + options)
    }

    mutating func restartReporting() async throws {
        reporting = try await Self.startReporting(bus: bus, broker: broker, httpPort: httpPort, options: reportingOptions)
    }

    /// `GET path` on the reporting service: the status code and the body.
    func get(_ path: String) async throws -> (status: Int, body: String, contentType: String?) {
        let url = URL(string: "http://127.0.0.1:\(httpPort)\(path)")!
        let (data, response) = try await URLSession.shared.data(from: url)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// `GET path` decoded from JSON.
    func getJSON(_ path: String) async throws -> Any {
        let (status, body, _) = try await get(path)
        guard status == 200 else { throw HTTPFailure(status: status, body: body) }
        return try JSONSerialization.jsonObject(with: Data(body.utf8))
    }

    struct HTTPFailure: Error { var status: Int; var body: String }

    /// The rows of `/api/history/{kind}?{query}`.
    func historyRows(_ kind: String, _ query: String) async throws -> [[String: Any]] {
        let object = try await getJSON("/api/history/\(kind)?\(query)") as! [String: Any]
        return object["rows"] as! [[String: Any]]
    }

    /// The retained report on `topic` once it satisfies `condition`, read by one subscription.
    func report<P: Payload>(_ type: P.Type, on topic: Topic, timeout: Duration = .seconds(10), where condition: (P) -> Bool = { _ in true })
        async throws -> P
    {
        let inbox = Inbox(try await bus.client.subscribe(to: [topic.filter]))
        return try await bus.next(type, in: inbox, timeout: timeout, where: condition)
    }
}

/// Runs `body` with a broker, the status service, the reporting service and — when `queues`
/// are given — a queue worker that publishes them; everything is stopped afterwards.
func withReportingSystem(
    queues: [QueueDefinition] = [], reportingOptions: [String] = [], _ body: (inout ReportingSystem) async throws -> Void
) async throws {
    try await withBus(dataName: "status-data") { bus, broker, statusData in
        let status = try await ServiceProcess.start("status-service", broker: broker, dataDirectory: statusData, observer: bus.client)
        defer { status.stop() }
        let httpPort = try freeLoopbackPort()
        let reporting = try await ReportingSystem.startReporting(bus: bus, broker: broker, httpPort: httpPort, options: reportingOptions)
        var system = ReportingSystem(
            bus: bus, broker: broker, status: status, reporting: reporting, queue: nil, httpPort: httpPort,
            reportingOptions: reportingOptions)
        defer { system.reporting.stop() }
        if !queues.isEmpty {
            let file = broker.directory.appendingPathComponent("queues.json")
            try Data(try JSONEncoder().encode(queues)).write(to: file)
            system.queue = try await ServiceProcess.start(
                "queue-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("queue-data"),
                observer: bus.client, options: ["--queues", file.path])
        }
        defer { system.queue?.stop() }
        try await body(&system)
    }
}

extension Bus {
    /// Publishes a queue event, as the queue service does.
    func queueEvent(
        _ type: QueueEvent.EventType, call: String, queue: String = "q1", waitedMs: Int = 0, offer: String? = nil,
        at: Timestamp = .now
    ) async throws {
        let event = QueueEvent(
            queueId: try QueueID(queue), callId: try CallID(call), type: type, at: at, offerId: try offer.map { try OfferID($0) },
            waitedMs: waitedMs, priority: 0)
        try await send(.queueEvent(try QueueID(queue)), event)
    }

    /// Publishes a queue definition, retained, as `ccctl queue apply` does.
    func define(_ definition: QueueDefinition) async throws {
        try await client.publish(
            Topic.configQueue(definition.queueId).name, payload: try codec.encode(definition), retain: true,
            waitForAcknowledgement: true)
    }
}
