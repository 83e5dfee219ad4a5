import Foundation

/// Where to answer a request whose payload was refused: its `commandId` or `requestId` and
/// its `replyTo`, read on their own so that a request invalid elsewhere still gets its error
/// reply (DESIGN section 4).
public struct ReplyAddress: Hashable, Sendable {
    public var correlation: Reply.Correlation
    public var replyTo: ReplyTopic

    public init(correlation: Reply.Correlation, replyTo: ReplyTopic) {
        self.correlation = correlation
        self.replyTo = replyTo
    }

    /// The reply address in `bytes`, when they are a JSON object (within the codec's size
    /// limit) with a valid `replyTo` and a valid `commandId` or `requestId`; nil otherwise.
    public static func salvage(from bytes: some Collection<UInt8>, codec: MessageCodec) -> ReplyAddress? {
        guard !bytes.isEmpty, bytes.count <= codec.maxPayloadBytes,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let replyToText = object["replyTo"] as? String,
            let replyTo = try? ReplyTopic(replyToText)
        else { return nil }
        if let text = object["commandId"] as? String, let id = try? CommandID(text) {
            return ReplyAddress(correlation: .command(id), replyTo: replyTo)
        }
        if let text = object["requestId"] as? String, let id = try? RequestID(text) {
            return ReplyAddress(correlation: .request(id), replyTo: replyTo)
        }
        return nil
    }
}
