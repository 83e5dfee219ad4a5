import Synchronization

/// The messages of one `subscribe` call, in the order the broker delivered them.
///
/// Iterate it with `for await`, or take the backlog in groups with
/// ``nextBatch(maximum:timeout:)``. The sequence ends when the client shuts down. When the
/// consuming task is cancelled, or the last copy of the subscription (and of its iterators)
/// is dropped, the client unsubscribes the filters that no other subscription still uses.
public struct MQTTSubscription: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    public typealias Failure = Never

    /// The filters this subscription receives messages for.
    public let filters: [TopicFilter]
    let buffer: SubscriptionBuffer
    let lease: SubscriptionLease

    /// Messages received and not yet taken: a consumer falling behind shows here.
    public var backlog: Int { buffer.count }

    /// Up to `maximum` messages in arrival order: every message already waiting (up to
    /// `maximum`) at once, or else the first to arrive within `timeout` (nil: no limit).
    ///
    /// Returns `[]` when `timeout` passes with no message, and nil once the subscription has
    /// ended (the client shut down, or the task was cancelled — which also unsubscribes).
    public func nextBatch(maximum: Int = 256, timeout: Duration? = nil) async -> [MQTTMessage]? {
        precondition(maximum > 0, "nextBatch needs a maximum of at least 1")
        let batch = await buffer.nextBatch(maximum: maximum, timeout: timeout)
        if batch == nil { lease.end() }
        return batch
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let subscription: MQTTSubscription

        public mutating func next() async -> MQTTMessage? {
            let message = await subscription.buffer.next()
            if message == nil { subscription.lease.end() }
            return message
        }
    }
}

/// Unsubscribes once: when the consumer ends or the last copy of the subscription goes.
final class SubscriptionLease: Sendable {
    private let unsubscribe: Mutex<(@Sendable () -> Void)?>

    init(unsubscribe: @escaping @Sendable () -> Void) {
        self.unsubscribe = Mutex(unsubscribe)
    }

    func end() {
        unsubscribe.withLock { action in
            defer { action = nil }
            return action
        }?()
    }

    deinit { end() }
}
