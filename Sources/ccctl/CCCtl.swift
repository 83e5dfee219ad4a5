import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages
import OperatorKit

/// `ccctl`: the operator's and agent's command line (DESIGN section 7).
@main
struct CCCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ccctl",
        abstract: "The contact centre's command line: agents' status, queues and a live view of the bus.",
        discussion: """
            Talks to the services only through the MQTT broker, as the services do: agent commands \
            go to the status service on agent/{id}/command and wait for its reply; what the \
            services keep retained (agent statuses, queue definitions and states, the status \
            catalogue) is read up to a marker, so a listing is complete; queue definitions are \
            published retained on config/queue/{id}.

            Exit codes: 0 done; 1 the service refused (printed as 'error: <code>: <message>') or \
            what was asked for is not on the broker; 2 the command line is wrong (an invalid id, \
            an unknown option, an unreadable queue file) and nothing was sent; 3 the broker cannot \
            be reached or refused the connection or a message; 4 no reply within --timeout.
            """,
        subcommands: [
            AgentSubcommand.self, StatusSubcommand.self, QueueSubcommand.self, StatusesSubcommand.self, WatchSubcommand.self,
        ]
    )

    /// Parses, runs, and ends with the exit codes above; every failure is one line on
    /// standard error (ArgumentParser's own usage errors keep their usage lines).
    static func main() async {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }

    static func fail(_ error: any Error) -> Never {
        let failure: OperatorError
        switch error {
        case let error as OperatorError: failure = error
        case let error as MQTTError: failure = OperatorError(error)
        case let error as MessageError: failure = OperatorError(error)
        default:
            if exitCode(for: error) == .validationFailure {
                Output.error(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        Output.error(failure.line)
        Foundation.exit(failure.exitCode)
    }
}
