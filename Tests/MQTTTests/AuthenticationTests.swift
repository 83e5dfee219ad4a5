import Foundation
import Logging
import MQTT
import Testing
import TestSupport

/// Credentials and ACLs, against a broker that requires them.
@Suite("MQTT client against a broker with passwords and an ACL")
struct AuthenticationTests {
    static let acl = """
        user agent-a1
        topic readwrite agent/a1/#
        topic read agent/+/status

        user supervisor
        topic readwrite agent/#

        """

    private func withAuthenticatedBroker(_ body: (Broker) async throws -> Void) async throws {
        try await withBroker(config: .authenticated, prepare: {
            try makeTestUsers(["agent-a1": "right", "supervisor": "boss"], acl: Self.acl, in: $0)
        }, body)
    }

    private static func configuration(
        _ broker: Broker, _ version: MQTTConfiguration.ProtocolVersion, user: String, password: String
    ) -> MQTTConfiguration {
        var configuration = broker.clientConfiguration(protocolVersion: version)
        configuration.username = user
        configuration.password = password
        return configuration
    }

    @Test("a wrong password is refused at start with the broker's reason", arguments: MQTTConfiguration.ProtocolVersion.allCases)
    func wrongPassword(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withAuthenticatedBroker { broker in
            let configuration = Self.configuration(broker, version, user: "agent-a1", password: "wrong")
            let client = try MQTTClient(configuration: configuration, logger: Logger(label: "t"))
            let error = await #expect(throws: MQTTError.self) { try await client.run() }
            guard case .connectionRefused(let reason)? = error else {
                Issue.record("expected connectionRefused, got \(String(describing: error))")
                return
            }
            #expect(reason.lowercased().contains("not authori") || reason.lowercased().contains("password"))
        }
    }

    @Test("the right password connects; the ACL decides what is delivered and what may be published", arguments: MQTTConfiguration.ProtocolVersion.allCases)
    func acl(version: MQTTConfiguration.ProtocolVersion) async throws {
        try await withAuthenticatedBroker { broker in
            let agent = Self.configuration(broker, version, user: "agent-a1", password: "right")
            let supervisor = Self.configuration(broker, version, user: "supervisor", password: "boss")
            try await withClient(agent) { agentClient in
                let commands = Inbox(try await agentClient.subscribe(to: ["agent/+/command"]))
                try await withClient(supervisor) { supervisorClient in
                    // agent-a1 may read only its own commands: a2's is withheld, a1's arrives.
                    try await supervisorClient.publish("agent/a2/command", payload: Array("a2".utf8), waitForAcknowledgement: true)
                    try await supervisorClient.publish("agent/a1/command", payload: Array("a1".utf8), waitForAcknowledgement: true)
                    #expect(try await commands.next().topic == "agent/a1/command")
                }
                // Publishing another agent's command is refused: with MQTT 5 the PUBACK says so;
                // a 3.1.1 broker acknowledges and drops the message.
                if version == .v5 {
                    let error = await #expect(throws: MQTTError.self) {
                        try await agentClient.publish("agent/a2/command", payload: [], waitForAcknowledgement: true)
                    }
                    guard case .publishRefused? = error else {
                        Issue.record("expected publishRefused, got \(String(describing: error))")
                        return
                    }
                } else {
                    try await agentClient.publish("agent/a2/command", payload: [], waitForAcknowledgement: true)
                }
            }
        }
    }
}
