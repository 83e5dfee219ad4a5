public import MQTT

extension Topic {
    /// The subscription filters of the services, one per family of ``Topic``s (e.g.
    /// `agent/+/status`), as MQTT `TopicFilter`s to pass straight to `MQTTClient.subscribe(to:)`.
    ///
    /// Only these constants exist, so a service cannot subscribe to a misspelt filter. Whether
    /// a topic matches a filter is `TopicFilter.matches(_:)`, the one place that is decided;
    /// parse a received topic with ``Topic/init(parsing:)``.
    public enum Filter {
        /// `agent/+/status`: every agent's snapshot.
        public static let agentStatus: TopicFilter = "agent/+/status"
        /// `agent/+/event`: every agent's changes.
        public static let agentEvent: TopicFilter = "agent/+/event"
        /// `agent/+/command`: commands for the status service.
        public static let agentCommand: TopicFilter = "agent/+/command"
        /// `agent/+/connection`: agent clients' connection states.
        public static let agentConnection: TopicFilter = "agent/+/connection"
        /// `agent/+/reserve`: reservations for the status service.
        public static let agentReserve: TopicFilter = "agent/+/reserve"
        /// `agent/+/release`: releases for the status service.
        public static let agentRelease: TopicFilter = "agent/+/release"
        /// `queue/+/enqueue`: calls arriving in any queue.
        public static let queueEnqueue: TopicFilter = "queue/+/enqueue"
        /// `queue/+/state`: every queue's live state.
        public static let queueState: TopicFilter = "queue/+/state"
        /// `queue/+/event`: every queue's call steps.
        public static let queueEvent: TopicFilter = "queue/+/event"
        /// `call/+/event`: every call's progress.
        public static let callEvent: TopicFilter = "call/+/event"
        /// `call/+/route`: routing decisions, for the telephony platform.
        public static let callRoute: TopicFilter = "call/+/route"
        /// `call/+/overflow`: overflow decisions, for the telephony platform.
        public static let callOverflow: TopicFilter = "call/+/overflow"
        /// `report/#`: every live report.
        public static let reports: TopicFilter = "report/#"
        /// `config/statuses`: the status catalogue.
        public static let configStatuses: TopicFilter = "config/statuses"
        /// `config/queue/+`: every queue definition.
        public static let configQueue: TopicFilter = "config/queue/+"
        /// `service/+/+`: every service instance's presence.
        public static let services: TopicFilter = "service/+/+"
        /// `error/+`: every service's error reports.
        public static let errors: TopicFilter = "error/+"
    }

    /// The filter that matches exactly this topic (a topic name is always a valid filter:
    /// its ids cannot contain wildcards).
    public var filter: TopicFilter {
        TopicFilter(stringLiteral: name)
    }
}
