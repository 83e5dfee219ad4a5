import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages
import OperatorKit
import ServiceLifecycle
import UnixSignals

/// `ccctl watch [--topics …]`.
struct WatchSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow the bus live, one readable line per message, until Ctrl-C.",
        discussion: """
            Agent changes, routes, overflows, queue events, service errors and services coming \
            and going, as they happen, e.g.

              12:01:02 a-17 ready/idle → withdrawn(lunch)/idle by command
              12:01:09 queue sales call c-9 enqueued (priority 0)
              12:01:09 route call c-9 → a-17 (queue sales, offer o-1, ring 20s)

            The time is the message's own (its 'at') when it has one. Retained messages (the state \
            before ccctl started) are not printed. A line on standard error says when the \
            subscription is in place. If the broker goes away, ccctl reconnects by itself and \
            says so on standard error. Ctrl-C (SIGINT) or SIGTERM ends it with exit code 0.
            """
    )

    @Option(help: ArgumentHelp(
        "Only these, comma-separated: agents, routes, overflows, queues, errors, services (default: all).",
        valueName: "names"))
    var topics: String?

    @Flag(help: "Print times in UTC rather than local time.")
    var utc = false

    @OptionGroup(title: "Broker options")
    var broker: BrokerOptions

    func run() async throws {
        let topics = try topics.map { text throws(OperatorError) in try WatchTopic.parse(text) } ?? WatchTopic.allCases
        let configuration = try broker.configuration()
        var logger = Logger(label: "ccctl")
        logger.logLevel = .warning
        let session = try OperatorSession(configuration: configuration, logger: logger)
        let watcher = Watcher(
            session: session, topics: topics,
            formatter: WatchFormatter(timeZone: utc ? TimeZone(identifier: "UTC")! : .current),
            connectTimeout: OperatorSession.connectDeadline(configuration),
            onConnectTimeout: BrokerOptions.connectTimedOut(configuration))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: session.client),
                    .init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// The watching loop, as a `Service` beside the MQTT client: it ends on graceful shutdown
/// (SIGINT, SIGTERM), before the client disconnects.
struct Watcher: Service {
    let session: OperatorSession
    let topics: [WatchTopic]
    let formatter: WatchFormatter
    let connectTimeout: Duration
    let onConnectTimeout: @Sendable () -> Void

    func run() async throws {
        try await session.connect(timeout: connectTimeout, onTimeout: onConnectTimeout)
        let subscription = try await session.watch(topics)
        let broker = session.client.configuration
        Output.error("watching \(topics.map(\.rawValue).joined(separator: ", ")) on \(broker.host):\(broker.port) (Ctrl-C to stop)")
        for await message in subscription.cancelOnGracefulShutdown() where !message.retained {
            Output.line(formatter.line(for: message, receivedAt: .now))
        }
    }
}
