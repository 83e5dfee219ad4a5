/// The messages of one `subscribe` call, in the order the broker delivered them.
///
/// Iterate it with `for await`. The sequence ends when the client shuts down.
/// When the iterating task ends or is cancelled (or the last copy of the
/// subscription is dropped), the client unsubscribes the filters that no other
/// subscription still uses.
public struct MQTTSubscription: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    public typealias Failure = Never

    /// The filters this subscription receives messages for.
    public let filters: [TopicFilter]
    let stream: AsyncStream<MQTTMessage>

    public func makeAsyncIterator() -> AsyncStream<MQTTMessage>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}
