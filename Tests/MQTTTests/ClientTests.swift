import Foundation
import Logging
import MQTT
import Testing
import TestSupport

/// The MQTT layer against a real mosquitto, over both protocol versions.
@Suite("MQTT client against a real broker")
struct ClientTests {
    static let versions = MQTTConfiguration.ProtocolVersion.allCases

    @Test("a QoS 1 publish is acknowledged and received with its payload", arguments: versions)
    func qos1RoundTrip(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                let inbox = Inbox(try await client.subscribe(to: ["test/qos1"]))
                let payload = Array(#"{"hello":"world"}"#.utf8)
                try await client.publish("test/qos1", payload: payload, qos: .atLeastOnce, waitForAcknowledgement: true)
                let message = try await inbox.next()
                #expect(message.topic == "test/qos1")
                #expect(message.payload == payload)
                #expect(message.qos == .atLeastOnce)
                #expect(!message.retained)
            }
        }
    }

    @Test("a retained message reaches a later subscriber flagged as retained; an empty one deletes it", arguments: versions)
    func retained(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                try await client.publish("agent/a1/status", payload: Array("v1".utf8), retain: true, waitForAcknowledgement: true)
                let first = Inbox(try await client.subscribe(to: ["agent/a1/status"]))
                let message = try await first.next()
                #expect(message.payload == Array("v1".utf8))
                #expect(message.retained)

                try await client.publish("agent/a1/status", payload: Array("v2".utf8), retain: true, waitForAcknowledgement: true)
                let live = try await first.next()
                #expect(live.payload == Array("v2".utf8))
                #expect(!live.retained, "a live publish to an existing subscriber is not flagged retained")

                try await client.publish("agent/a1/status", payload: [], retain: true, waitForAcknowledgement: true)
                _ = try await first.next()
                try await client.publish("agent/a1/other", payload: Array("marker".utf8), retain: true, waitForAcknowledgement: true)
                let later = Inbox(try await client.subscribe(to: ["agent/a1/+"]))
                let afterDelete = try await later.next()
                #expect(afterDelete.topic == "agent/a1/other", "the deleted retained status is not sent again")
            }
        }
    }

    @Test("nextBatch takes the whole backlog at once, in order, and returns [] when its timeout passes")
    func batches() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                let subscription = try await client.subscribe(to: ["test/batch"])
                #expect(await subscription.nextBatch(maximum: 10, timeout: .milliseconds(50)) == [])
                for index in 0..<5 {
                    try await client.publish("test/batch", payload: [UInt8(index)], waitForAcknowledgement: true)
                }
                while subscription.backlog < 5 { try await Task.sleep(for: .milliseconds(5)) }
                let first = try #require(await subscription.nextBatch(maximum: 3))
                let rest = try #require(await subscription.nextBatch(maximum: 10))
                #expect(first.map(\.payload) == [[0], [1], [2]])
                #expect(rest.map(\.payload) == [[3], [4]])
                #expect(subscription.backlog == 0)
            }
        }
    }

    @Test("a consumer polling with no wait on the MQTT thread's executor still lets that thread read its messages")
    func pollingOnTheNetworkExecutor() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                try await withClient(broker.clientConfiguration()) { publisher in
                    let subscription = try await client.subscribe(to: ["test/poll"])
                    // Polls on the network thread itself, never waiting, for up to 2 s: without
                    // a turn for I/O between polls, the message sent meanwhile is never read.
                    async let received = withTaskExecutorPreference(client.networkExecutor) {
                        let deadline = ContinuousClock.now + .seconds(2)
                        while ContinuousClock.now < deadline {
                            if let batch = await subscription.nextBatch(maximum: 10, timeout: .zero), !batch.isEmpty { return batch }
                        }
                        return []
                    }
                    try await Task.sleep(for: .milliseconds(100))
                    try await publisher.publish("test/poll", payload: [7], waitForAcknowledgement: true)
                    #expect(await received.map(\.payload) == [[7]])
                }
            }
        }
    }

    @Test("a wait that ended early leaves no timer behind to cut a later wait short")
    func batchTimeouts() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                let subscription = try await client.subscribe(to: ["test/timeouts"])
                async let first = subscription.nextBatch(timeout: .milliseconds(300))
                try await Task.sleep(for: .milliseconds(20))
                try await client.publish("test/timeouts", payload: [1], waitForAcknowledgement: true)
                #expect(await first?.count == 1)
                let started = ContinuousClock.now
                let second = await subscription.nextBatch(timeout: .seconds(1))
                #expect(second == [])
                #expect(ContinuousClock.now - started >= .seconds(1), "the first wait's timer did not end the second wait")
            }
        }
    }

    @Test("on the MQTT thread's executor, a wait with a time limit ends at its time or at the first message, and leaves no timer behind")
    func timedWaitsOnTheNetworkExecutor() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                let subscription = try await client.subscribe(to: ["test/network-timers"])
                try await withTaskExecutorPreference(client.networkExecutor) {
                    var started = ContinuousClock.now
                    #expect(await subscription.nextBatch(timeout: .milliseconds(200)) == [])
                    #expect(ContinuousClock.now - started >= .milliseconds(200))
                    // Several waits in a row, each cut short by a message: their timers must
                    // not end the long wait after them.
                    for index in 0..<3 {
                        async let batch = subscription.nextBatch(timeout: .milliseconds(300))
                        try await client.publish("test/network-timers", payload: [UInt8(index)], waitForAcknowledgement: true)
                        #expect(await batch?.map(\.payload) == [[UInt8(index)]])
                    }
                    started = .now
                    #expect(await subscription.nextBatch(timeout: .milliseconds(700)) == [])
                    #expect(ContinuousClock.now - started >= .milliseconds(700))
                }
            }
        }
    }

    @Test("a QoS 1 publish waiting for the broker to come back ends with CancellationError when its task is cancelled",
          .timeLimit(.minutes(1)))
    func cancelWaitingPublish() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                try await client.publish("test/cancel", payload: [0], waitForAcknowledgement: true)
                broker.stop()
                let waiting = Task { try await client.publish("test/cancel", payload: [1], waitForAcknowledgement: true) }
                try await Task.sleep(for: .milliseconds(300))
                waiting.cancel()
                await #expect(throws: CancellationError.self) { try await waiting.value }
            }
        }
    }

    @Test("with a persistent session, what was published while the client was away arrives in a subscription made before run()", arguments: versions)
    func persistentSession(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            var configuration = broker.clientConfiguration("persistent-\(version.rawValue)", protocolVersion: version)
            configuration.cleanSession = false
            var logger = Logger(label: "test.persistent")
            logger.logLevel = .warning
            for session in 0..<2 {
                // The first session subscribes; the second comes back to what was kept for it.
                let client = try MQTTClient(configuration: configuration, logger: logger)
                let inbox = Inbox(client.subscribeOnConnect(to: ["test/persist"]))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await client.run() }
                    if session == 1 {
                        for index in 0..<3 { #expect(try await inbox.next().payload == [UInt8(index)]) }
                    } else {
                        try await client.publish("test/persist/ready", payload: [], waitForAcknowledgement: true)
                    }
                    group.cancelAll()
                }
                if session == 0 {
                    try await withClient(broker.clientConfiguration(protocolVersion: version)) { other in
                        for index in 0..<3 {
                            try await other.publish("test/persist", payload: [UInt8(index)], waitForAcknowledgement: true)
                        }
                    }
                }
            }
        }
    }

    @Test("a persistent session queues the QoS 1 group's messages, not the QoS 0 group's; retained ones come back", arguments: versions)
    func persistentSessionByQoS(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            var configuration = broker.clientConfiguration("grouped-\(version.rawValue)", protocolVersion: version)
            configuration.cleanSession = false
            var logger = Logger(label: "test.grouped")
            logger.logLevel = .warning
            for session in 0..<2 {
                let client = try MQTTClient(configuration: configuration, logger: logger)
                let inbox = Inbox(client.subscribeOnConnect([(["test/work/+"], .atLeastOnce), (["test/view/+"], .atMostOnce)]))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await client.run() }
                    if session == 1 {
                        // The retained view arrives with the new SUBSCRIBE; the kept work arrives first.
                        var received: [String] = []
                        for _ in 0..<3 { received.append(try await inbox.next().topic) }
                        #expect(received.sorted() == ["test/view/retained", "test/work/1", "test/work/2"])
                        #expect((try? await inbox.next(timeout: .milliseconds(300))) == nil, "test/view/live was not queued")
                    } else {
                        try await client.publish("test/ready", payload: [], waitForAcknowledgement: true)
                    }
                    group.cancelAll()
                }
                if session == 0 {
                    try await withClient(broker.clientConfiguration(protocolVersion: version)) { other in
                        try await other.publish("test/work/1", payload: [1], waitForAcknowledgement: true)
                        try await other.publish("test/view/live", payload: [2], waitForAcknowledgement: true)
                        try await other.publish("test/view/retained", payload: [3], retain: true, waitForAcknowledgement: true)
                        try await other.publish("test/work/2", payload: [4], waitForAcknowledgement: true)
                    }
                }
            }
        }
    }

    @Test("wildcard subscriptions get exactly the topics their filters match", arguments: versions)
    func wildcards(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                let statuses = Inbox(try await client.subscribe(to: ["agent/+/status"]))
                let calls = Inbox(try await client.subscribe(to: ["call/#"]))
                for topic in ["agent/a1/event", "agent/a1/status", "call/c1/event", "queue/q1/state", "agent/a2/status", "call/c2/route"] {
                    try await client.publish(topic, payload: Array(topic.utf8), waitForAcknowledgement: true)
                }
                #expect(try await statuses.next().topic == "agent/a1/status")
                #expect(try await statuses.next().topic == "agent/a2/status")
                #expect(try await calls.next().topic == "call/c1/event")
                #expect(try await calls.next().topic == "call/c2/route")
                try await client.publish("end", payload: [], waitForAcknowledgement: true)
                let end = Inbox(try await client.subscribe(to: ["end/#"]))
                try await client.publish("end/x", payload: [], waitForAcknowledgement: true)
                _ = try await end.next()
                #expect(await statuses.pending.isEmpty)
                #expect(await calls.pending.isEmpty)
            }
        }
    }

    @Test("the last will is published when the client's process is killed", arguments: versions)
    func lastWill(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { observer in
                let wills = Inbox(try await observer.subscribe(to: ["service/probe/+"]))
                let probe = try ChildProcess(
                    executable: Products.path("mqtt-will-probe"),
                    arguments: [broker.host, String(broker.port), version.rawValue, "service/probe/1", #"{"state":"offline"}"#],
                    logFile: broker.directory.appendingPathComponent("probe-\(version.rawValue).log")
                )
                defer { probe.signalAndWait(SIGKILL) }
                while probe.isRunning, !probe.output.contains("connected") {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(probe.output.contains("connected"))
                probe.signalAndWait(SIGKILL)
                let will = try await wills.next()
                #expect(will.topic == "service/probe/1")
                #expect(will.payload == Array(#"{"state":"offline"}"#.utf8))
            }
        }
    }

    @Test("a clean shutdown does not publish the will", arguments: versions)
    func cleanShutdownHasNoWill(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { observer in
                let wills = Inbox(try await observer.subscribe(to: ["service/clean/1"]))
                let will = MQTTConfiguration.Will(topic: "service/clean/1", payload: Array("offline".utf8), retain: false)
                try await withClient(broker.clientConfiguration(protocolVersion: version, will: will)) { client in
                    try await client.publish("service/clean/1", payload: Array("online".utf8), waitForAcknowledgement: true)
                }
                try await observer.publish("service/clean/1", payload: Array("after".utf8), waitForAcknowledgement: true)
                #expect(try await wills.next().payload == Array("online".utf8))
                #expect(try await wills.next().payload == Array("after".utf8), "no will between the clean disconnect and the next publish")
            }
        }
    }

    @Test("a clean shutdown with messages still arriving does not publish the will either")
    func cleanShutdownWhileReceiving() async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { observer in
                let wills = Inbox(try await observer.subscribe(to: ["service/busy/1"]))
                let will = MQTTConfiguration.Will(topic: "service/busy/1", payload: Array("offline".utf8), retain: false)
                try await withClient(broker.clientConfiguration(will: will)) { client in
                    let flood = try await client.subscribe(to: ["test/flood"])
                    try await client.publish("service/busy/1", payload: Array("online".utf8), waitForAcknowledgement: true)
                    // Unread messages in its socket when it stops: a close then resets the
                    // connection, and what the socket still held (a corked DISCONNECT) is lost.
                    for index in 0..<2000 {
                        try await observer.publish("test/flood", payload: Array(repeating: UInt8(index % 256), count: 512), qos: .atMostOnce)
                    }
                    _ = await flood.nextBatch(maximum: 1)
                }
                try await observer.publish("service/busy/1", payload: Array("after".utf8), waitForAcknowledgement: true)
                #expect(try await wills.next().payload == Array("online".utf8))
                #expect(try await wills.next().payload == Array("after".utf8), "no will between the clean disconnect and the next publish")
            }
        }
    }

    @Test("after a broker restart the client reconnects and its subscriptions work again", arguments: versions)
    func reconnect(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                let inbox = Inbox(try await client.subscribe(to: ["queue/+/enqueue"]))
                try await client.publish("queue/q1/enqueue", payload: Array("before".utf8), waitForAcknowledgement: true)
                #expect(try await inbox.next().payload == Array("before".utf8))

                broker.stop()
                try await broker.launch()

                // A second client publishes once the first has had time to reconnect and resubscribe:
                // retry until the message arrives (the back-off is 100 ms to 1 s here).
                try await withClient(broker.clientConfiguration(protocolVersion: version)) { publisher in
                    var received: MQTTMessage?
                    for attempt in 0..<30 where received == nil {
                        try await publisher.publish("queue/q1/enqueue", payload: Array("after-\(attempt)".utf8), waitForAcknowledgement: true)
                        received = try? await inbox.next(timeout: .milliseconds(500))
                    }
                    let message = try #require(received)
                    #expect(String(decoding: message.payload, as: UTF8.self).hasPrefix("after-"))
                }
                // And the reconnected client itself can publish again.
                try await client.publish("queue/q2/enqueue", payload: Array("own".utf8), waitForAcknowledgement: true)
                var last = try await inbox.next()
                while last.topic != "queue/q2/enqueue" { last = try await inbox.next() }
                #expect(last.payload == Array("own".utf8))
            }
        }
    }

    @Test("a QoS 1 message published while the broker is down is sent once it is back", arguments: versions)
    func publishWhileDisconnected(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                try await client.publish("queue/q1/state", payload: Array("first".utf8), retain: true, waitForAcknowledgement: true)
                broker.stop()
                // Give the client time to notice the connection is gone.
                try await Task.sleep(for: .milliseconds(300))
                let acknowledged = Task {
                    try await client.publish("queue/q1/state", payload: Array("queued".utf8), retain: true, waitForAcknowledgement: true)
                }
                try await broker.launch()
                try await acknowledged.value
                try await withClient(broker.clientConfiguration(protocolVersion: version)) { observer in
                    let inbox = Inbox(try await observer.subscribe(to: ["queue/q1/state"]))
                    #expect(try await inbox.next().payload == Array("queued".utf8))
                }
            }
        }
    }

    @Test("QoS 1 publishes in flight when the broker is killed are all acknowledged after the reconnection", arguments: versions)
    func inFlightAcrossBrokerKill(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                try await client.publish("warm-up", payload: [], waitForAcknowledgement: true)
                let acknowledged = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for index in 0..<300 {
                            group.addTask {
                                try await client.publish("inflight/\(index)", payload: Array(repeating: 7, count: 200), waitForAcknowledgement: true)
                            }
                        }
                        try await group.waitForAll()
                    }
                    return true
                }
                broker.kill()
                try await broker.launch()
                // Bounded: if an acknowledgement never came, leaving withClient stops the client,
                // which fails the waiting publishes, and the test fails here instead of hanging.
                let deadline = Task {
                    try await Task.sleep(for: .seconds(20))
                    return false
                }
                let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try await acknowledged.value }
                    group.addTask { try await deadline.value }
                    defer { deadline.cancel() }
                    return try await group.next() ?? false
                }
                #expect(finished, "every QoS 1 publish was acknowledged within 20 s of the broker's return")
            }
        }
    }

    @Test("an announcement replaces the will again after the client reconnects", arguments: versions)
    func announcementAfterReconnect(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            let will = MQTTConfiguration.Will(topic: "service/svc/1", payload: Array("offline".utf8))
            try await withClient(broker.clientConfiguration(protocolVersion: version, will: will)) { client in
                try await client.announce("service/svc/1", payload: Array("online".utf8))
                broker.stop() // the test broker keeps nothing: the retained announcement is gone
                try await broker.launch()
                try await withClient(broker.clientConfiguration(protocolVersion: version)) { observer in
                    let presence = Inbox(try await observer.subscribe(to: ["service/svc/1"]))
                    #expect(try await presence.next().payload == Array("online".utf8))
                }
            }
        }
    }

    @Test("a TLS listener is reached with the test CA; a wrong CA is a clear TLS error", arguments: versions)
    func tls(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker(config: .tls, prepare: makeTestCertificates(in:)) { broker in
            var configuration = broker.clientConfiguration(protocolVersion: version)
            configuration.tls = .init(caFile: broker.directory.appendingPathComponent("ca.crt").path)
            try await withClient(configuration) { client in
                let inbox = Inbox(try await client.subscribe(to: ["secure/#"]))
                try await client.publish("secure/hello", payload: Array("over tls".utf8), waitForAcknowledgement: true)
                #expect(try await inbox.next().payload == Array("over tls".utf8))
            }

            configuration.tls = .init(caFile: broker.directory.appendingPathComponent("missing.crt").path)
            let error = #expect(throws: MQTTError.self) { try MQTTClient(configuration: configuration, logger: .init(label: "t")) }
            #expect(error?.description.contains("missing.crt") == true)

            let otherCA = broker.directory.appendingPathComponent("other")
            try FileManager.default.createDirectory(at: otherCA, withIntermediateDirectories: true)
            try makeTestCertificates(in: otherCA)
            configuration.tls = .init(caFile: otherCA.appendingPathComponent("ca.crt").path)
            let client = try MQTTClient(configuration: configuration, logger: .init(label: "t"))
            await #expect(throws: MQTTError.self) { try await client.run() }
        }
    }

    @Test("a task on the client's network executor receives and replies, in order", arguments: versions)
    func networkExecutor(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration(protocolVersion: version)) { client in
                let requests = try await client.subscribe(to: ["exec/request"])
                let replies = Inbox(try await client.subscribe(to: ["exec/reply"]))
                let responder = Task(executorPreference: client.networkExecutor) {
                    for await request in requests {
                        try await client.publish("exec/reply", payload: request.payload + [1])
                    }
                }
                defer { responder.cancel() }
                for index in 0..<200 {
                    try await client.publish("exec/request", payload: [UInt8(index % 256)])
                }
                for index in 0..<200 {
                    #expect(try await replies.next().payload == [UInt8(index % 256), 1])
                }
            }
        }
    }

    @Test("with no broker listening, run() fails at once with an error naming the address")
    func noBroker() async throws {
        let port = try freeLoopbackPort()
        let client = try MQTTClient(configuration: .init(port: port, clientID: "nobody"), logger: .init(label: "t"))
        let error = await #expect(throws: MQTTError.self) { try await client.run() }
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
        // Operations on a client whose connection failed fail too, rather than wait forever.
        await #expect(throws: MQTTError.self) { try await client.publish("x", payload: []) }
    }

    @Test("publishing to a topic with wildcards is refused before anything is sent")
    func invalidPublishTopic() async throws {
        let client = try MQTTClient(configuration: .init(clientID: "unused"), logger: .init(label: "t"))
        for topic in ["agent/+/status", "agent/#", "", "a\u{0}b"] {
            await #expect(throws: MQTTError.self) { try await client.publish(topic, payload: []) }
        }
    }
}
