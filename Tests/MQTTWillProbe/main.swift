// A process for the last-will test: connects through the MQTT layer with a will, says
// "connected" on standard output, and waits to be killed (SIGKILL) by the test.
//
// Usage: mqtt-will-probe HOST PORT PROTOCOL WILL_TOPIC WILL_PAYLOAD
import Foundation
import Logging
import MQTT
import ServiceLifecycle

let arguments = CommandLine.arguments
guard arguments.count == 6, let port = Int(arguments[2]),
      let version = MQTTConfiguration.ProtocolVersion(rawValue: arguments[3]) else {
    FileHandle.standardError.write(Data("usage: mqtt-will-probe HOST PORT 5|3.1.1 WILL_TOPIC WILL_PAYLOAD\n".utf8))
    exit(64)
}
let configuration = MQTTConfiguration(
    host: arguments[1],
    port: port,
    clientID: "will-probe-\(getpid())",
    protocolVersion: version,
    will: .init(topic: arguments[4], payload: Array(arguments[5].utf8), qos: .atLeastOnce, retain: true)
)
let logger = Logger(label: "mqtt-will-probe")
let client = try MQTTClient(configuration: configuration, logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await client.run() }
    try await client.publish("probe/started", payload: [], waitForAcknowledgement: true)
    FileHandle.standardOutput.write(Data("connected\n".utf8))
    try await group.next()
}
