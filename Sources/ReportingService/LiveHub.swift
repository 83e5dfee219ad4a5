import Foundation
import Hummingbird
import Messages
import Synchronization

/// The live figures as the HTTP side serves them: the latest `/api/live` body, and the
/// wall-boards listening on `/api/live/events` for the next one.
///
/// The reporting loop hands it each new body; each listener gets it as one server-sent
/// event. A listener that reads slowly gets only the newest body (older ones are dropped:
/// a wall-board needs the present, not the past).
final class LiveHub: Sendable {
    private struct State {
        var body: [UInt8] = Array(#"{"at":null,"queues":[],"agents":[],"totals":null}"#.utf8)
        var listeners: [UUID: AsyncStream<ByteBuffer>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())

    /// The latest body (JSON).
    var current: [UInt8] { state.withLock { $0.body } }

    var listenerCount: Int { state.withLock { $0.listeners.count } }

    /// Keeps `body` as the latest and sends it to every listener.
    func publish(_ body: [UInt8]) {
        let event = Self.event(body)
        state.withLock { state in
            state.body = body
            for listener in state.listeners.values { listener.yield(event) }
        }
    }

    /// A stream of server-sent events: the reconnection delay and the latest body at once,
    /// then every new one. It ends when the hub finishes (the service stops).
    func listen() -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(2))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.listeners.removeValue(forKey: id) }
        }
        let listening = state.withLock { state in
            guard !state.finished else { return false }
            // The browser waits this long before it reconnects after the service went away.
            continuation.yield(ByteBuffer(string: "retry: 1000\n\n"))
            continuation.yield(Self.event(state.body))
            state.listeners[id] = continuation
            return true
        }
        // Outside the lock: finishing runs `onTermination`, which takes it.
        if !listening { continuation.finish() }
        return stream
    }

    /// Ends every stream, so that the HTTP server can stop (it waits for open responses).
    func finish() {
        let listeners = state.withLock { state in
            state.finished = true
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }

    /// One server-sent event of type `live`; the body is one line of JSON, the id the
    /// service's clock when it sent it (milliseconds since 1970), so that a page counts the
    /// times in state on the service's clock even when the report is older.
    private static func event(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: live\nid: \(Timestamp.now.millisecondsSinceEpoch)\ndata: ")
        buffer.writeBytes(body)
        buffer.writeString("\n\n")
        return buffer
    }
}
