import Foundation
import MQTT
import Messages
import TestLiterals
import TestSupport
import Testing

/// The real `cc-sim` executable against a real broker and the real status and queue services.
@Suite("cc-sim against the real services", .serialized)
struct CCSimTests {
    @Test("cc-sim logs its agents in, plays calls through the queue service to the agents, and ends cleanly")
    func playsACentre() async throws {
        try await withBus(dataName: "status-data") { bus, broker, statusData in
            let status = try await ServiceProcess.start("status-service", broker: broker, dataDirectory: statusData, observer: bus.client)
            defer { status.stop() }
            let queue = try await ServiceProcess.start(
                "queue-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("queue-data"), observer: bus.client)
            defer { queue.stop() }
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let connections = try await bus.watch(Topic.Filter.agentConnection)
            let result = try await ServiceProcess.runToEnd("cc-sim", [
                "--mqtt-port", "\(broker.port)", "--agents", "6", "--queues", "2", "--duration", "6",
                "--calls-per-minute", "120", "--talk-seconds", "1", "--answer-seconds", "0.3", "--summary-every", "2",
                "--break-every-seconds", "2", "--break-seconds", "1", "--direct-per-minute", "30", "--outbound-per-minute", "30",
            ])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("cc-sim 00:0"), "a live summary line: \(result.output)")
            let answered = try #require(Self.figure("answered", in: result.output))
            #expect(answered > 0, "\(result.output)")
            #expect(result.output.contains("errors seen:  0 on error/#"), "\(result.output)")

            // The queue service routed calls to the simulation's agents.
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.agentId.value.hasPrefix("agent-"))
            // Each agent's client kept a retained connection: online, then offline at the end.
            var last: [String: AgentConnection.State] = [:]
            while let message = try? await connections.next(timeout: .milliseconds(300)) {
                last[message.topic] = try MessageCodec().decode(AgentConnection.self, from: message.payload).state
            }
            #expect(last.count == 6)
            #expect(Set(last.values) == [.offline])
            // And every agent logged out.
            for number in 1...6 {
                let status = try await bus.retainedStatus("agent-\(number)")
                #expect(status.reason == "logged-out", "agent-\(number): \(status.display)")
            }
        }
    }

    @Test("without a broker cc-sim ends at once with one clear line")
    func noBroker() async throws {
        let started = ContinuousClock.now
        let result = try await ServiceProcess.runToEnd("cc-sim", ["--mqtt-port", "\(try freeLoopbackPort())", "--duration", "5"])
        #expect(result.status == 1)
        #expect(result.output.contains("cc-sim:"))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a wrong option is refused with its reason")
    func wrongOption() async throws {
        let result = try await ServiceProcess.runToEnd("cc-sim", ["--decline-rate", "2"])
        #expect(result.status != 0)
        #expect(result.output.contains("--decline-rate"))
    }

    /// The number before `label` in the final summary's line of queue calls (`31 answered`).
    static func figure(_ label: String, in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("queue calls:") }),
            let range = line.range(of: " \(label)")
        else { return nil }
        return line[..<range.lowerBound].split(separator: " ").last.flatMap { Int($0) }
    }
}
