import ArgumentParser
import Messages
import OperatorKit

/// `ccctl status [<agent-id>] [--json]`.
struct StatusSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the agents' current status (the retained agent/+/status), or one agent's.",
        discussion: """
            One row per agent, sorted by id: agent, display (what wall-boards show), presence, \
            reason, activity (with the call), time in that state, version. The set is complete: \
            ccctl reads the retained statuses up to a marker of its own. With --json, the status \
            snapshots as the status service publishes them (an array; one object for one agent).
            An agent with no status exits 1.
            """
    )

    @Argument(help: ArgumentHelp("Only this agent.", valueName: "agent-id"))
    var agentID: String?

    @Flag(help: "Print the status snapshots as JSON.")
    var json = false

    @OptionGroup(title: "Broker options")
    var broker: BrokerOptions

    func run() async throws {
        let agent: AgentID? = try agentID.map { text throws(OperatorError) in try parseID(text) }
        let timeout = try broker.timeLimit()
        let statuses = try await broker.session { session in
            try await session.agentStatuses(agent, timeout: timeout)
        }
        for skipped in statuses.skipped { Output.error("ccctl: \(skipped.line)") }
        if let agent {
            guard let status = statuses.values.first else {
                throw OperatorError(.notFound, "no status for agent '\(agent)' on agent/\(agent)/status (the status service has not seen it)")
            }
            Output.line(json ? PrettyJSON.string(status) : AgentTable.lines([status], now: .now).joined(separator: "\n"))
        } else if json {
            Output.line(PrettyJSON.string(statuses.values))
        } else if statuses.values.isEmpty {
            Output.line("no agents: agent/+/status holds no status")
        } else {
            Output.lines(AgentTable.lines(statuses.values, now: .now))
        }
    }
}

/// `ccctl statuses [--json]`.
struct StatusesSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statuses",
        abstract: "Show the status catalogue: the reasons agents and supervisors can give (retained config/statuses).",
        discussion: """
            One row per reason, in the catalogue's order: id, label, the presence it goes with \
            (withdrawn or unavailable), and whether agents may pick it (the others are set by the \
            system or by a supervisor with 'ccctl agent <id> … --as <supervisor>'). The status \
            service publishes the catalogue; none on the broker exits 1.
            """
    )

    @Flag(help: "Print the catalogue as JSON.")
    var json = false

    @OptionGroup(title: "Broker options")
    var broker: BrokerOptions

    func run() async throws {
        let timeout = try broker.timeLimit()
        guard let catalogue = try await broker.session({ session in try await session.catalogue(timeout: timeout) }) else {
            throw OperatorError(.notFound, "no status catalogue on config/statuses — is the status service running?")
        }
        Output.lines(json ? [PrettyJSON.string(catalogue)] : CatalogueTable.lines(catalogue))
    }
}
