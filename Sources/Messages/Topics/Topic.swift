/// Every topic of DESIGN section 4, built only from validated ids.
///
/// ```swift
/// Topic.agentStatus(agentId).name          // "agent/a-17/status"
/// try Topic(parsing: "call/c1/event")      // .callEvent(c1)
/// ```
public enum Topic: Hashable, Sendable, CustomStringConvertible {
    /// `agent/{agentId}/status`: the agent's snapshot, retained (``AgentStatus``).
    case agentStatus(AgentID)
    /// `agent/{agentId}/event`: one change (``AgentEvent``).
    case agentEvent(AgentID)
    /// `agent/{agentId}/command` (``AgentCommand``).
    case agentCommand(AgentID)
    /// `agent/{agentId}/connection`: retained, also the client's will (``AgentConnection``).
    case agentConnection(AgentID)
    /// `agent/{agentId}/reserve` (``ReserveRequest``).
    case agentReserve(AgentID)
    /// `agent/{agentId}/release` (``ReleaseRequest``).
    case agentRelease(AgentID)
    /// `queue/{queueId}/enqueue` (``EnqueueRequest``).
    case queueEnqueue(QueueID)
    /// `queue/{queueId}/state`: retained (``QueueState``).
    case queueState(QueueID)
    /// `queue/{queueId}/event` (``QueueEvent``).
    case queueEvent(QueueID)
    /// `call/{callId}/event` (``CallEvent``).
    case callEvent(CallID)
    /// `call/{callId}/route` (``CallRoute``).
    case callRoute(CallID)
    /// `call/{callId}/overflow` (``CallOverflow``).
    case callOverflow(CallID)
    /// `report/queue/{queueId}`: retained live figures of a queue.
    case reportQueue(QueueID)
    /// `report/agent/{agentId}`: retained live figures of an agent.
    case reportAgent(AgentID)
    /// `report/totals`: retained live figures over all queues and agents.
    case reportTotals
    /// `config/statuses`: retained (``StatusCatalogue``).
    case configStatuses
    /// `config/queue/{queueId}`: retained (``QueueDefinition``; empty deletes it).
    case configQueue(QueueID)
    /// `service/{name}/{instance}`: retained, also the service's will (``ServicePresence``).
    case service(name: ServiceName, instance: InstanceID)
    /// `error/{service}` (``ServiceError``).
    case error(service: ServiceName)

    /// The topic name to publish to.
    public var name: String {
        switch self {
        case .agentStatus(let id): "agent/\(id)/status"
        case .agentEvent(let id): "agent/\(id)/event"
        case .agentCommand(let id): "agent/\(id)/command"
        case .agentConnection(let id): "agent/\(id)/connection"
        case .agentReserve(let id): "agent/\(id)/reserve"
        case .agentRelease(let id): "agent/\(id)/release"
        case .queueEnqueue(let id): "queue/\(id)/enqueue"
        case .queueState(let id): "queue/\(id)/state"
        case .queueEvent(let id): "queue/\(id)/event"
        case .callEvent(let id): "call/\(id)/event"
        case .callRoute(let id): "call/\(id)/route"
        case .callOverflow(let id): "call/\(id)/overflow"
        case .reportQueue(let id): "report/queue/\(id)"
        case .reportAgent(let id): "report/agent/\(id)"
        case .reportTotals: "report/totals"
        case .configStatuses: "config/statuses"
        case .configQueue(let id): "config/queue/\(id)"
        case .service(let name, let instance): "service/\(name)/\(instance)"
        case .error(let service): "error/\(service)"
        }
    }

    public var description: String { name }

    /// Whether DESIGN publishes this topic retained.
    public var isRetained: Bool {
        switch self {
        case .agentStatus, .agentConnection, .queueState, .reportQueue, .reportAgent, .reportTotals,
            .configStatuses, .configQueue, .service:
            true
        case .agentEvent, .agentCommand, .agentReserve, .agentRelease, .queueEnqueue, .queueEvent,
            .callEvent, .callRoute, .callOverflow, .error:
            false
        }
    }

    /// Recognises exactly the topics above, throwing ``ErrorCode/invalidTopic`` for any
    /// other name (wrong level count, unknown level) and ``ErrorCode/invalidID`` for a bad id.
    public init(parsing name: String) throws(MessageError) {
        let levels = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func unknown() -> MessageError {
            MessageError(.invalidTopic, "topic \(MessageError.quoted(name)) is not a topic of the contact centre")
        }
        switch (levels.count, levels.first) {
        case (3, "agent"):
            let id = try AgentID(levels[1])
            switch levels[2] {
            case "status": self = .agentStatus(id)
            case "event": self = .agentEvent(id)
            case "command": self = .agentCommand(id)
            case "connection": self = .agentConnection(id)
            case "reserve": self = .agentReserve(id)
            case "release": self = .agentRelease(id)
            default: throw unknown()
            }
        case (3, "queue"):
            let id = try QueueID(levels[1])
            switch levels[2] {
            case "enqueue": self = .queueEnqueue(id)
            case "state": self = .queueState(id)
            case "event": self = .queueEvent(id)
            default: throw unknown()
            }
        case (3, "call"):
            let id = try CallID(levels[1])
            switch levels[2] {
            case "event": self = .callEvent(id)
            case "route": self = .callRoute(id)
            case "overflow": self = .callOverflow(id)
            default: throw unknown()
            }
        case (3, "report") where levels[1] == "queue": self = .reportQueue(try QueueID(levels[2]))
        case (3, "report") where levels[1] == "agent": self = .reportAgent(try AgentID(levels[2]))
        case (2, "report") where levels[1] == "totals": self = .reportTotals
        case (2, "config") where levels[1] == "statuses": self = .configStatuses
        case (3, "config") where levels[1] == "queue": self = .configQueue(try QueueID(levels[2]))
        case (3, "service"): self = .service(name: try ServiceName(levels[1]), instance: try InstanceID(levels[2]))
        case (2, "error"): self = .error(service: try ServiceName(levels[1]))
        default: throw unknown()
        }
    }
}
