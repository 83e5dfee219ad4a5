extension Topic {
    /// A subscription filter for a family of ``Topic``s, e.g. `agent/+/status`.
    ///
    /// Only the constants below exist, so a service cannot subscribe to a misspelt filter.
    /// Parse a received topic with ``Topic/init(parsing:)``. (Nested in `Topic` so it does
    /// not clash with the MQTT module's `TopicFilter`, which it is meant to feed.)
    public struct Filter: Hashable, Sendable, CustomStringConvertible {
        /// The filter as given to MQTT SUBSCRIBE.
        public let filter: String

        private init(_ filter: String) {
            self.filter = filter
        }

        public var description: String { filter }

        /// `agent/+/status`: every agent's snapshot.
        public static let agentStatus = Filter("agent/+/status")
        /// `agent/+/event`: every agent's changes.
        public static let agentEvent = Filter("agent/+/event")
        /// `agent/+/command`: commands for the status service.
        public static let agentCommand = Filter("agent/+/command")
        /// `agent/+/connection`: agent clients' connection states.
        public static let agentConnection = Filter("agent/+/connection")
        /// `agent/+/reserve`: reservations for the status service.
        public static let agentReserve = Filter("agent/+/reserve")
        /// `agent/+/release`: releases for the status service.
        public static let agentRelease = Filter("agent/+/release")
        /// `queue/+/enqueue`: calls arriving in any queue.
        public static let queueEnqueue = Filter("queue/+/enqueue")
        /// `queue/+/state`: every queue's live state.
        public static let queueState = Filter("queue/+/state")
        /// `queue/+/event`: every queue's call steps.
        public static let queueEvent = Filter("queue/+/event")
        /// `call/+/event`: every call's progress.
        public static let callEvent = Filter("call/+/event")
        /// `call/+/route`: routing decisions, for the telephony platform.
        public static let callRoute = Filter("call/+/route")
        /// `call/+/overflow`: overflow decisions, for the telephony platform.
        public static let callOverflow = Filter("call/+/overflow")
        /// `report/#`: every live report.
        public static let reports = Filter("report/#")
        /// `config/statuses`: the status catalogue.
        public static let configStatuses = Filter("config/statuses")
        /// `config/queue/+`: every queue definition.
        public static let configQueue = Filter("config/queue/+")
        /// `service/+/+`: every service instance's presence.
        public static let services = Filter("service/+/+")
        /// `error/+`: every service's error reports.
        public static let errors = Filter("error/+")

        /// The filter matching exactly `topic` (no wildcards).
        public init(_ topic: Topic) {
            self.init(topic.name)
        }

        /// Whether `topicName` matches this filter under MQTT's rules for `+` and `#`.
        public func matches(_ topicName: String) -> Bool {
            let pattern = filter.split(separator: "/", omittingEmptySubsequences: false)
            let levels = topicName.split(separator: "/", omittingEmptySubsequences: false)
            for (index, level) in pattern.enumerated() {
                if level == "#" { return true }
                guard index < levels.count else { return false }
                if level != "+", level != levels[index] { return false }
            }
            return pattern.count == levels.count
        }
    }
}
