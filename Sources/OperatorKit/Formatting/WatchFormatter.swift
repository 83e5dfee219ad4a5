public import Foundation
public import MQTT
public import Messages

/// `ccctl watch`: one readable line per message, starting with its time of day.
///
/// ```
/// 12:01:02 a-17 ready/idle → withdrawn(lunch)/idle by command
/// 12:01:05 a-17 withdrawn(no-answer)/idle → ready/idle by command of sup-1
/// 12:01:09 queue sales call c-9 enqueued (priority 0)
/// 12:01:09 a-17 ready/idle → ready/ringing by reservation call c-9 from sales
/// 12:01:09 route call c-9 → a-17 (queue sales, offer o-1, ring 20s)
/// 12:01:09 queue sales call c-9 offered to a-17 after 12ms
/// 12:02:10 overflow call c-8 from sales → voicemail (wait-time-1 after 1m00s)
/// 12:02:11 error status-service on agent/a-17/command: unknown-reason: reason 'nap' is not in the catalogue
/// 12:02:12 service queue-service/w0 offline (shard 0 of 2, version 1.0)
/// ```
///
/// The time is the payload's own (`at`) when it has one, else when the message was received.
public struct WatchFormatter: Sendable {
    public var timeZone: TimeZone
    public var codec: MessageCodec

    public init(timeZone: TimeZone = .current, codec: MessageCodec = MessageCodec()) {
        self.timeZone = timeZone
        self.codec = codec
    }

    /// The line for `message`, received at `receivedAt`.
    public func line(for message: MQTTMessage, receivedAt: Timestamp) -> String {
        let (time, text) = describe(message, receivedAt: receivedAt)
        return "\(TimeText.timeOfDay(time, in: timeZone)) \(text)"
    }

    private func describe(_ message: MQTTMessage, receivedAt: Timestamp) -> (Timestamp, String) {
        guard let topic = try? Topic(parsing: message.topic) else {
            return (receivedAt, "\(message.topic) \(Self.excerpt(message.payload))")
        }
        do throws(MessageError) {
            switch topic {
            case .agentEvent:
                let event = try codec.decode(AgentEvent.self, from: message.payload)
                return (event.at, Self.describe(event))
            case .callRoute:
                return (receivedAt, Self.describe(try codec.decode(CallRoute.self, from: message.payload)))
            case .callOverflow:
                let overflow = try codec.decode(CallOverflow.self, from: message.payload)
                return (overflow.at ?? receivedAt, Self.describe(overflow))
            case .queueEvent:
                let event = try codec.decode(QueueEvent.self, from: message.payload)
                return (event.at, Self.describe(event))
            case .error:
                let error = try codec.decode(ServiceError.self, from: message.payload)
                return (error.at, "error \(error.service) on \(error.topic): \(error.code): \(error.message)")
            case .service(let name, let instance):
                guard !message.payload.isEmpty else { return (receivedAt, "service \(name)/\(instance) cleared") }
                let presence = try codec.decode(ServicePresence.self, from: message.payload)
                return (presence.at, Self.describe(presence))
            default:
                return (receivedAt, "\(message.topic) \(Self.excerpt(message.payload))")
            }
        } catch {
            return (receivedAt, "\(message.topic) unreadable: \(error.code): \(error.message)")
        }
    }

    /// `a-17 ready/idle → withdrawn(lunch)/idle by command`, with ` of <supervisor>`, and
    /// ` call <id>` (` from <queue>`) when the change came from a call.
    public static func describe(_ event: AgentEvent) -> String {
        var line = "\(event.agentId) \(StatusText.state(event.from)) → \(StatusText.state(event.to)) by \(event.cause)"
        if let supervisor = event.by { line += " of \(supervisor)" }
        if let call = event.callId {
            line += " call \(call)"
            if let queue = event.queueId { line += " from \(queue)" }
        }
        return line
    }

    /// `route call c-9 → a-17 (queue sales, offer o-1, ring 20s)`.
    public static func describe(_ route: CallRoute) -> String {
        "route call \(route.callId) → \(route.agentId) (queue \(route.queueId), offer \(route.offerId), "
            + "ring \(TimeText.duration(milliseconds: route.ringTimeoutMs)))"
    }

    /// `overflow call c-9 from sales → voicemail (wait-time-1 after 1m00s)`.
    public static func describe(_ overflow: CallOverflow) -> String {
        "overflow call \(overflow.callId) from \(overflow.queueId) → \(overflow.target) "
            + "(\(overflow.reason.rawValue) after \(TimeText.duration(milliseconds: overflow.waitedMs)))"
    }

    /// `queue sales call c-9 enqueued (priority 0)`, `… offered to a-17 after 2s`,
    /// `… connected to a-17 after 5s`, `… abandoned after 12s`,
    /// `… overflowed → voicemail (wait-time-1) after 1m00s`.
    public static func describe(_ event: QueueEvent) -> String {
        let start = "queue \(event.queueId) call \(event.callId)"
        let waited = "after \(TimeText.duration(milliseconds: event.waitedMs))"
        let agent = event.agentId.map { " to \($0)" } ?? ""
        switch event.type {
        case .enqueued: return "\(start) enqueued (priority \(event.priority))"
        case .agentOffered: return "\(start) offered\(agent) \(waited)"
        case .connected: return "\(start) connected\(agent) \(waited)"
        case .abandoned: return "\(start) abandoned \(waited)"
        case .overflowed:
            let target = event.target.map { " → \($0)" } ?? ""
            let reason = event.reason.map { " (\($0.rawValue))" } ?? ""
            return "\(start) overflowed\(target)\(reason) \(waited)"
        }
    }

    /// `service queue-service/w0 online (shard 0 of 2, version 1.0)`.
    public static func describe(_ presence: ServicePresence) -> String {
        var details: [String] = []
        if let shard = presence.shard, let shards = presence.shards { details.append("shard \(shard) of \(shards)") }
        details.append("version \(presence.version)")
        return "service \(presence.service)/\(presence.instance) \(presence.state.rawValue) (\(details.joined(separator: ", ")))"
    }

    /// A payload as text on one line, cut at 200 characters.
    static func excerpt(_ payload: [UInt8]) -> String {
        let text = String(decoding: payload.prefix(800), as: UTF8.self)
            .map { $0.isNewline || $0 == "\t" ? " " : String($0) }.joined()
        return text.count > 200 ? text.prefix(200) + "…" : text
    }
}
