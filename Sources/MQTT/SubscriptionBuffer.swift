import DequeModule
import Synchronization

/// The messages delivered to one subscription and not yet taken by its consumer.
///
/// The network thread appends; the consuming task takes one message (`next`) or everything
/// waiting (`nextBatch`), so a consumer that commits work in groups sees the whole backlog at
/// once. The buffer is unbounded: libmosquitto acknowledges QoS 1 on receipt, so a slow
/// consumer shows up as a growing ``count``.
final class SubscriptionBuffer: Sendable {
    /// A consumer waiting for messages, and the timer that ends its wait.
    private struct Waiter {
        var token: Int
        var continuation: CheckedContinuation<Void, Never>
        var timer: Timer?
    }

    /// A network-thread timer, or (once the client's loop has ended) a sleeping task.
    private enum Timer {
        case network(Int)
        case task(Task<Void, Never>)
    }

    private struct State {
        var messages = Deque<MQTTMessage>()
        var waiters: [Waiter] = []
        var nextToken = 0
        var finished = false
    }

    private let state = Mutex(State())
    /// The client's network thread, which runs the timers that end waits.
    private let timers: NetworkThread

    init(timers: NetworkThread) {
        self.timers = timers
    }

    /// Adds a delivered message and wakes the consumer.
    func append(_ message: MQTTMessage) {
        let waiters = state.withLock { state in
            guard !state.finished else { return [Waiter]() }
            state.messages.append(message)
            defer { state.waiters = [] }
            return state.waiters
        }
        resume(waiters)
    }

    /// Ends the buffer: the consumer takes what is left, then gets nil.
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        resume(waiters)
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
                if let timeout, timeout <= .zero {
                    // Lets the executor run other work first: a consumer that polls with no
                    // wait on the MQTT thread's executor would otherwise never let that
                    // thread read the socket.
                    await Task.yield()
                    return []
                }
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

    /// Waits until a message arrives, the buffer finishes, the task is cancelled or `timeout`
    /// passes. The waiter is registered before its timer starts, and a timer only ends the wait
    /// it was made for.
    private func waitForMessages(timeout: Duration?) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let token: Int? = state.withLock { state in
                    if !state.messages.isEmpty || state.finished || Task.isCancelled { return nil }
                    state.nextToken += 1
                    state.waiters.append(Waiter(token: state.nextToken, continuation: continuation))
                    return state.nextToken
                }
                guard let token else { return continuation.resume() }
                guard let timeout else { return }
                let timer: Timer =
                    if let id = timers.schedule(after: timeout, { [weak self] in self?.wake(token) }) {
                        .network(id)
                    } else {
                        .task(Task { [weak self] in
                            guard (try? await Task.sleep(for: timeout)) != nil else { return }
                            self?.wake(token)
                        })
                    }
                let stillWaiting = state.withLock { state in
                    guard let index = state.waiters.firstIndex(where: { $0.token == token }) else { return false }
                    state.waiters[index].timer = timer
                    return true
                }
                if !stillWaiting { cancel(timer) }
            }
        } onCancel: {
            wakeAll()
        }
    }

    /// Ends the wait `token`, if it is still going on.
    private func wake(_ token: Int) {
        let waiter = state.withLock { state in
            state.waiters.firstIndex(where: { $0.token == token }).map { state.waiters.remove(at: $0) }
        }
        if let waiter { resume([waiter]) }
    }

    private func wakeAll() {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        resume(waiters)
    }

    private func resume(_ waiters: [Waiter]) {
        for waiter in waiters {
            if let timer = waiter.timer { cancel(timer) }
            waiter.continuation.resume()
        }
    }

    private func cancel(_ timer: Timer) {
        switch timer {
        case .network(let id): timers.cancelTimer(id)
        case .task(let task): task.cancel()
        }
    }
}
