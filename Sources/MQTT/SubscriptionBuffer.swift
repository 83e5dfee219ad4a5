import DequeModule
import Synchronization

/// The messages delivered to one subscription and not yet taken by its consumer.
///
/// The network thread appends; the consuming task takes one message (`next`) or everything
/// waiting (`nextBatch`), so a consumer that commits work in groups sees the whole backlog at
/// once. The buffer is unbounded: libmosquitto acknowledges QoS 1 on receipt, so a slow
/// consumer shows up as a growing ``count``.
final class SubscriptionBuffer: Sendable {
    private struct State {
        var messages = Deque<MQTTMessage>()
        var waiters: [CheckedContinuation<Void, Never>] = []
        var finished = false
    }

    private let state = Mutex(State())

    /// Adds a delivered message and wakes the consumer.
    func append(_ message: MQTTMessage) {
        let waiters = state.withLock { state in
            guard !state.finished else { return [CheckedContinuation<Void, Never>]() }
            state.messages.append(message)
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Ends the buffer: the consumer takes what is left, then gets nil.
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// The messages waiting to be taken.
    var count: Int { state.withLock { $0.messages.count } }

    /// The next message; nil once the buffer is finished and empty, or the task is cancelled.
    func next() async -> MQTTMessage? {
        while true {
            switch take(maximum: 1) {
            case .messages(let batch): return batch.first
            case .finished: return nil
            case .none where Task.isCancelled: return nil
            case .none: await waitForMessages(timeout: nil)
            }
        }
    }

    /// Up to `maximum` waiting messages, waiting for at least one for at most `timeout` (nil:
    /// no limit). Returns `[]` when the time runs out, nil once the buffer is finished and
    /// empty or the task is cancelled.
    func nextBatch(maximum: Int, timeout: Duration?) async -> [MQTTMessage]? {
        for attempt in 0..<2 {
            switch take(maximum: maximum) {
            case .messages(let batch): return batch
            case .finished: return nil
            case .none where Task.isCancelled: return nil
            case .none where attempt == 1: return []
            case .none:
                if let timeout, timeout <= .zero { return [] }
                await waitForMessages(timeout: timeout)
            }
        }
        return []
    }

    private enum Taken {
        case messages([MQTTMessage])
        case none
        case finished
    }

    private func take(maximum: Int) -> Taken {
        state.withLock { state in
            if state.messages.isEmpty { return state.finished ? .finished : .none }
            let count = min(maximum, state.messages.count)
            defer { state.messages.removeFirst(count) }
            return .messages(Array(state.messages.prefix(count)))
        }
    }

    private func waitForMessages(timeout: Duration?) async {
        let timer = timeout.map { timeout in
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.wakeAll()
            }
        }
        defer { timer?.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if !state.messages.isEmpty || state.finished || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            wakeAll()
        }
    }

    private func wakeAll() {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}
