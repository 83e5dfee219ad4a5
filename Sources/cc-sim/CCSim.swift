import ArgumentParser
import Foundation
import Logging
import MQTT
import Simulation
import UnixSignals

/// `cc-sim`: the telephony platform and the agents of a simulated contact centre, over
/// MQTT only, for the demo and for load.
@main
struct CCSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cc-sim",
        abstract: "Plays a contact centre over MQTT: agents and their clients, callers, and the telephony platform.",
        discussion: """
            Agents log in, go ready, withdraw with reasons (break, lunch, training, meeting) and log out at the end, each \
            client keeping a retained agent/{id}/connection with a will (up to \(Simulator.ownConnectionLimit) agents; more \
            share one connection). Calls arrive in the queues at random (Poisson), ring the agents the queue service routes \
            them to, are answered after a delay, sometimes declined or not answered, talked for a random time, and sometimes \
            abandoned by callers who lose patience; direct and outbound calls ignore phone status. It obeys call/{id}/route \
            and call/{id}/overflow as a telephony platform must. The queues it defines (unless --no-define-queues) are \
            published retained on config/queue/{id}.

            --seed makes the plan repeatable (who serves which queue, when calls arrive, how each offer goes); the outcome \
            also depends on the services' timing. Ctrl-C, or the end of --duration, hangs up the calls in progress, logs \
            the agents out and prints the final summary.

            Every connection option can also come from the environment variable the services read (MQTT_HOST, MQTT_PORT, \
            MQTT_USERNAME, MQTT_PASSWORD, MQTT_TLS_CA).
            """)

    @Option(help: "The MQTT broker's host.")
    var mqttHost = ProcessInfo.processInfo.environment["MQTT_HOST"] ?? "127.0.0.1"

    @Option(help: "The MQTT broker's port (default 1883, 8883 with TLS).")
    var mqttPort: Int?

    @Option(help: "The MQTT user name.")
    var mqttUsername = ProcessInfo.processInfo.environment["MQTT_USERNAME"]

    @Option(help: "The MQTT password.")
    var mqttPassword = ProcessInfo.processInfo.environment["MQTT_PASSWORD"]

    @Option(help: "A CA certificate file; turns TLS on.")
    var mqttTlsCa = ProcessInfo.processInfo.environment["MQTT_TLS_CA"]

    @Option(help: "How many agents.")
    var agents = 24

    @Option(help: "How many queues (sales, support, billing, retention, then queue-5…).")
    var queues = 4

    @Option(help: "Queue calls arriving per minute, over all queues.")
    var callsPerMinute = 20.0

    @Option(help: "Direct calls to agents per minute.")
    var directPerMinute = 1.0

    @Option(help: "Outbound calls by agents per minute.")
    var outboundPerMinute = 1.0

    @Option(help: "Mean talk time of a call, in seconds.")
    var talkSeconds = 30.0

    @Option(help: "Mean time an agent takes to answer, in seconds.")
    var answerSeconds = 3.0

    @Option(help: "Mean time a caller waits before hanging up, in seconds.")
    var patienceSeconds = 90.0

    @Option(help: "Share of offers declined (0–1).")
    var declineRate = 0.03

    @Option(help: "Share of offers left to ring out (0–1).")
    var noAnswerRate = 0.05

    @Option(help: "Mean time between an agent's withdrawals, in seconds.")
    var breakEverySeconds = 240.0

    @Option(help: "Mean length of a withdrawal, in seconds.")
    var breakSeconds = 30.0

    @Option(help: "The queues' wrap-up time, in seconds.")
    var wrapUpSeconds = 5.0

    @Option(help: "Seed of the plan: the same seed plays the same centre.")
    var seed: UInt64 = 1

    @Option(help: "Stop after this many seconds (default: until Ctrl-C).")
    var duration: Double?

    @Flag(help: "Do not publish the queue definitions (use the ones the broker holds).")
    var noDefineQueues = false

    @Option(help: "Seconds between two summary lines.")
    var summaryEvery = 1.0

    func validate() throws {
        guard agents >= 1, agents <= 100_000 else { throw ValidationError("--agents must be 1–100000") }
        guard queues >= 1, queues <= 10_000 else { throw ValidationError("--queues must be 1–10000") }
        guard callsPerMinute >= 0, directPerMinute >= 0, outboundPerMinute >= 0 else {
            throw ValidationError("call rates must not be negative")
        }
        guard (0...1).contains(declineRate), (0...1).contains(noAnswerRate), declineRate + noAnswerRate <= 1 else {
            throw ValidationError("--decline-rate and --no-answer-rate must be within 0–1 and add up to at most 1")
        }
        guard talkSeconds > 0, answerSeconds >= 0, patienceSeconds > 0, breakEverySeconds > 0, breakSeconds > 0, wrapUpSeconds >= 0 else {
            throw ValidationError("times must be positive")
        }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        guard summaryEvery > 0 else { throw ValidationError("--summary-every must be positive") }
    }

    func run() async throws {
        var settings = SimulationSettings()
        settings.agents = agents
        settings.queues = queues
        settings.callsPerMinute = callsPerMinute
        settings.directCallsPerMinute = directPerMinute
        settings.outboundCallsPerMinute = outboundPerMinute
        settings.meanTalkMs = Int(talkSeconds * 1000)
        settings.meanAnswerDelayMs = Int(answerSeconds * 1000)
        settings.meanPatienceMs = Int(patienceSeconds * 1000)
        settings.declineRate = declineRate
        settings.noAnswerRate = noAnswerRate
        settings.meanTimeBetweenBreaksMs = Int(breakEverySeconds * 1000)
        settings.meanBreakMs = Int(breakSeconds * 1000)
        settings.wrapUpMs = Int(wrapUpSeconds * 1000)
        settings.seed = seed
        let plan = SimulationPlan(settings: settings)

        let environmentPort = ProcessInfo.processInfo.environment["MQTT_PORT"].flatMap(Int.init)
        let mqtt = MQTTConfiguration(
            host: mqttHost, port: mqttPort ?? environmentPort ?? (mqttTlsCa == nil ? 1883 : 8883), clientID: "cc-sim",
            username: mqttUsername, password: mqttPassword, tls: mqttTlsCa.map { MQTTConfiguration.TLS(caFile: $0) },
            connectTimeout: .seconds(5))
        var logger = Logger(label: "cc-sim")
        logger.logLevel = .warning
        let interactive = isatty(STDOUT_FILENO) == 1
        let simulator = Simulator(
            plan: plan, mqtt: mqtt, defineQueues: !noDefineQueues, summaryInterval: .milliseconds(Int(summaryEvery * 1000)),
            logger: logger
        ) { line in
            // On a terminal the live line rewrites itself; in a log, each is a line.
            if interactive && line.hasPrefix("cc-sim ") && !line.contains("\n") {
                FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
            } else {
                FileHandle.standardOutput.write(Data(((interactive ? "\n" : "") + line + "\n").utf8))
            }
        }
        FileHandle.standardOutput.write(Data((
            "cc-sim: \(plan.agents.count) agents, queues \(plan.queues.map(\.queueId.value).joined(separator: ", ")), "
            + "\(callsPerMinute) calls/min, seed \(seed), broker \(mqtt.host):\(mqtt.port)\n").utf8))
        let duration = duration
        do {
            _ = try await simulator.run {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
                    }
                    if let duration {
                        group.addTask { try? await Task.sleep(for: .milliseconds(Int(duration * 1000))) }
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            FileHandle.standardError.write(Data("cc-sim: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
