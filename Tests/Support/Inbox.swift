import Foundation
public import MQTT

/// Collects what a subscription receives, so a test can wait for the next message with
/// a time limit without cancelling the subscription (cancelling an iteration ends it).
public actor Inbox {
    private var messages: [MQTTMessage] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<MQTTMessage?, Never>)?
    private var nextWaiterID = 0
    private var finished = false

    public init(_ subscription: MQTTSubscription) {
        Task { [weak self] in
            for await message in subscription {
                guard let self else { return }
                await self.receive(message)
            }
            await self?.finish()
        }
    }

    private func receive(_ message: MQTTMessage) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: message)
        } else {
            messages.append(message)
        }
    }

    private func finish() {
        finished = true
        waiter?.continuation.resume(returning: nil)
        waiter = nil
    }

    /// The next message, or an error when none arrives within `timeout` or the subscription ended.
    public func next(timeout: Duration = .seconds(10)) async throws -> MQTTMessage {
        if !messages.isEmpty { return messages.removeFirst() }
        if finished { throw InboxError.finished }
        let id = nextWaiterID
        nextWaiterID += 1
        let message = await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
        }
        guard let message else { throw finished ? InboxError.finished : InboxError.timedOut(timeout) }
        return message
    }

    /// Messages already received and not yet taken.
    public var pending: [MQTTMessage] { messages }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

public enum InboxError: Error, CustomStringConvertible {
    case timedOut(Duration)
    case finished

    public var description: String {
        switch self {
        case .timedOut(let timeout): "no message within \(timeout)"
        case .finished: "the subscription ended"
        }
    }
}
