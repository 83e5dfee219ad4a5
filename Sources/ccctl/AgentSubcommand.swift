public import ArgumentParser
import Messages
import OperatorKit

/// `ccctl agent <id> login|logout|ready|withdraw <reason>|unavailable [<reason>]|end-wrap-up`.
struct AgentSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Log an agent in or out, set its presence or end its wrap-up, and print the resulting status.",
        discussion: """
            Sends an agent command to the status service on agent/{id}/command, with a fresh \
            commandId and a reply topic of this run's own, waits for the reply and prints the \
            agent's new status in one line, e.g.

              $ ccctl agent a-17 withdraw lunch
              a-17 withdrawn(lunch)/idle — lunch, version 4

            Actions: login; logout; ready; withdraw <reason> (a withdrawn reason: busy, break, \
            lunch…); unavailable [<reason>] (an unavailable reason, e.g. end-of-day, or none); \
            end-wrap-up. 'ccctl statuses' lists the reasons. An agent may pick only agent-selectable \
            reasons; with --as <supervisor> the command is sent on a supervisor's behalf (its 'by') \
            and may set any reason, system ones (declined, no-answer, logged-out…) included.

            A refusal is printed as 'error: <code>: <message>' and exits 1; no reply within \
            --timeout exits 4; an invalid id exits 2 before anything is sent.
            """
    )

    @Argument(help: ArgumentHelp("The agent's id: 1–64 letters, digits, '-', '_' or '.'.", valueName: "agent-id"))
    var agentID: String

    @Argument(help: ArgumentHelp("What to do.", valueName: "action"))
    var verb: AgentAction.Verb

    @Argument(help: ArgumentHelp("The reason: required by withdraw, optional with unavailable.", valueName: "reason"))
    var reason: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Send the command as this supervisor (the command's 'by').", valueName: "supervisor"))
    var supervisor: String?

    @OptionGroup(title: "Broker options")
    var broker: BrokerOptions

    func run() async throws {
        let agent: AgentID = try parseID(agentID)
        let action = try AgentAction(verb, reason: reason)
        let by: SupervisorID? = try supervisor.map { text throws(OperatorError) in try parseID(text) }
        let timeout = try broker.timeLimit()
        let reply = try await broker.session { session in
            try await session.send(action, to: agent, by: by, timeout: timeout)
        }
        if let failure = reply.error { throw OperatorError.refused(failure) }
        Output.line(reply.status.map(StatusText.line) ?? "\(agent): done")
    }
}

extension AgentAction.Verb: ExpressibleByArgument {}
