public import MQTT
import Messages

/// What `ccctl watch` can follow (`--topics`), each one family of topics.
public enum WatchTopic: String, CaseIterable, Sendable {
    /// `agent/+/event`: every change of an agent's state.
    case agents
    /// `call/+/route`: calls routed to an agent.
    case routes
    /// `call/+/overflow`: calls leaving their queue by overflow.
    case overflows
    /// `queue/+/event`: calls entering, offered, connected, abandoned, overflowed.
    case queues
    /// `error/#`: what the services could not apply.
    case errors
    /// `service/+/+`: services coming online or going offline.
    case services

    public var filter: TopicFilter {
        switch self {
        case .agents: Topic.Filter.agentEvent
        case .routes: Topic.Filter.callRoute
        case .overflows: Topic.Filter.callOverflow
        case .queues: Topic.Filter.queueEvent
        case .errors: "error/#"
        case .services: Topic.Filter.services
        }
    }

    /// Parses `agents,errors` (names separated by commas or spaces); throws a usage error
    /// naming the allowed names.
    public static func parse(_ text: String) throws(OperatorError) -> [WatchTopic] {
        var topics: [WatchTopic] = []
        for name in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let topic = WatchTopic(rawValue: String(name)) else {
                throw OperatorError(
                    .usage, "unknown --topics '\(name)': expected some of \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !topics.contains(topic) { topics.append(topic) }
        }
        guard !topics.isEmpty else {
            throw OperatorError(.usage, "--topics is empty: expected some of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return topics
    }
}
