import Foundation
import MQTT
import Messages
import TestLiterals
import TestSupport
import Testing

/// The deployment's shape end to end: the real services on the broker of
/// `Deploy/mosquitto/production.conf` and `Deploy/mosquitto/acl` (see `ProductionBroker`),
/// each over TLS with its own account, started with `Deploy/examples/statuses.json` and
/// `Deploy/examples/queues.json`. Every right a service needs is used on the way: a missing
/// one shows as a service that never comes online, a reply, route or report that never comes.
@Suite("The services on the production broker, with their accounts and the example files")
struct DeployServicesTests {
    static let users = [
        "alice", "bob", "carol", "dave", "telephony", "status-service", "queue-service", "reporting-service", "wallboard", "operator",
    ]

    @Test("the example catalogue and queues are published; an agent, the telephony platform and a wall-board work through all three services")
    func productionShape() async throws {
        try await withProductionBroker(users: Self.users) { broker in
            try await withClient(broker.productionClientConfiguration(user: "operator")) { operatorClient in
                let statusService = try await ServiceProcess.start(
                    "status-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("status-data"),
                    observer: operatorClient,
                    options: broker.productionServiceOptions(user: "status-service")
                        + ["--statuses", DeployFiles.url("examples/statuses.json").path])
                defer { statusService.stop() }
                let queueService = try await ServiceProcess.start(
                    "queue-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("queue-data"),
                    observer: operatorClient,
                    options: broker.productionServiceOptions(user: "queue-service")
                        + ["--queues", DeployFiles.url("examples/queues.json").path])
                defer { queueService.stop() }
                let httpPort = try freeLoopbackPort()
                let reportingService = try await ServiceProcess.start(
                    "reporting-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("reporting-data"),
                    observer: operatorClient,
                    options: broker.productionServiceOptions(user: "reporting-service")
                        + ["--http-port", "\(httpPort)", "--http-host", "127.0.0.1"])
                defer { reportingService.stop() }

                // The example catalogue is what the status service publishes, entry for entry.
                let codec = MessageCodec()
                let catalogueFile = try codec.decode(
                    StatusCatalogue.self, from: Array(try Data(contentsOf: DeployFiles.url("examples/statuses.json"))))
                let published = try await Inbox(try await operatorClient.subscribe(to: [Topic.Filter.configStatuses])).next()
                #expect(try codec.decode(StatusCatalogue.self, from: published.payload).statuses == catalogueFile.statuses)

                // The example queues are published, one retained definition each.
                let queueFile = try JSONSerialization.jsonObject(with: Data(contentsOf: DeployFiles.url("examples/queues.json")))
                let queueIDs = ((queueFile as? [String: Any])?["queues"] as? [[String: Any]] ?? []).compactMap { $0["queueId"] as? String }
                #expect(queueIDs.count == 3)
                let definitions = Inbox(try await operatorClient.subscribe(to: [Topic.Filter.configQueue]))
                var definitionsByID: [String: QueueDefinition] = [:]
                while definitionsByID.count < queueIDs.count {
                    let definition = try codec.decode(QueueDefinition.self, from: try await definitions.next().payload)
                    definitionsByID[definition.queueId.value] = definition
                }
                #expect(Set(definitionsByID.keys) == Set(queueIDs))
                #expect(definitionsByID["sales"]?.members.map(\.agentId) == ["alice", "bob", "carol"])

                try await withClient(broker.productionClientConfiguration(user: "alice")) { aliceClient in
                    // The agent's replies come under client/alice/, the only reply topics it may read.
                    let alice = Bus(client: aliceClient, replyPrefix: "client/alice")
                    let statuses = try await alice.statuses()
                    // The catalogue in force is the example's: coaching exists, for supervisors only.
                    _ = try await alice.command("alice", .login)
                    let coaching = try await alice.command("alice", .setPresence, presence: .withdrawn, reason: "coaching")
                    #expect(coaching.error?.code.rawValue == "reason-not-selectable")
                    #expect(try await alice.command("alice", .setPresence, presence: .ready).ok)

                    try await withClient(broker.productionClientConfiguration(user: "telephony")) { telephonyClient in
                        let telephony = Bus(client: telephonyClient, replyPrefix: "client/telephony")
                        let routes = try await telephony.watch(Topic.Filter.callRoute)
                        #expect(try await telephony.enqueueWithReply("deploy-call-1", in: "sales").ok)
                        let route = try await telephony.next(CallRoute.self, in: routes)
                        #expect(route.agentId == "alice")
                        try await telephony.report("deploy-call-1", .answered, agent: "alice", queue: "sales", offer: route.offerId)
                        let onCall = try await alice.status(of: "alice", in: statuses) { $0.activity == .onCall }
                        #expect(onCall.callId == "deploy-call-1")

                        try await withClient(broker.productionClientConfiguration(user: "wallboard")) { wallboardClient in
                            let wallboard = Bus(client: wallboardClient)
                            let reports = try await wallboard.watch("report/queue/sales")
                            // The call's `connected` event (queue worker) and alice's on-call status
                            // (status service) come from two services: a report may count one before
                            // the other reaches the reporting service. Wait for the report with both.
                            let report = try await wallboard.next(QueueReport.self, in: reports) {
                                $0.figures.today.answered == 1 && $0.figures.onCall == 1
                            }
                            #expect(report.figures.onCall == 1)
                            #expect(report.name == "Sales")
                        }
                    }
                }
            }
        }
    }

    @Test("contact-centre.env names every option of the three services, and its values are accepted by them")
    func environmentFile() async throws {
        let text = try DeployFiles.text("systemd/contact-centre.env")
        var active: [String: String] = [:]
        var mentioned = Set<String>()
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty {
            let commented = line.hasPrefix("#")
            let assignment = commented ? String(line.dropFirst()) : line
            let name = assignment.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            guard !name.isEmpty, assignment.dropFirst(name.count).first == "=" else {
                #expect(commented, "neither a comment nor NAME=value: \(line)")
                continue
            }
            mentioned.insert(String(name))
            if !commented {
                let value = String(assignment.dropFirst(name.count + 1))
                // systemd would set an empty value, which is not the default.
                #expect(!value.isEmpty, "\(name)= sets an empty value")
                active[String(name)] = value
            }
        }
        // Each service's own, or set by the units: never active in the shared file.
        for name in ["MQTT_CLIENT_ID", "MQTT_USERNAME", "MQTT_PASSWORD", "DATA_DIR", "INSTANCE", "SHARD"] {
            #expect(active[name] == nil, "\(name) is set in the shared file")
        }

        let closedPort = try freeLoopbackPort()
        for executable in ["status-service", "queue-service", "reporting-service"] {
            // `--help` lists each option as `--flag PLACEHOLDER VARIABLE help…`.
            let help = try await ServiceProcess.runToEnd(executable, ["--help"])
            #expect(help.status == 0)
            var flags: [String: String] = [:]
            for line in help.output.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard words.count >= 3, words[0].hasPrefix("--"), words[0] != "--help" else { continue }
                flags[String(words[2])] = String(words[0])
            }
            #expect(flags.count >= 15, "\(executable) --help: \(help.output)")
            for variable in flags.keys.sorted() {
                #expect(mentioned.contains(variable), "\(executable)'s \(variable) is not in contact-centre.env")
            }
            // The file's values, given as options, pass the service's checks: it gets as far as
            // the broker (none listens: exit 1), not a wrong option (exit 2).
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-env-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: data) }
            var arguments = ["--data-dir", data.path, "--mqtt-port", "\(closedPort)"]
            for (variable, value) in active.sorted(by: { $0.key < $1.key }) where variable != "MQTT_PORT" {
                if let flag = flags[variable] { arguments += [flag, value] }
            }
            let run = try await ServiceProcess.runToEnd(executable, arguments)
            #expect(run.status == 1, "\(executable) \(arguments.joined(separator: " ")): \(run.output)")
            #expect(run.output.contains("cannot connect"), "\(run.output)")
        }
    }
}
