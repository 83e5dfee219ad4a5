/// A message payload of DESIGN section 4 (or 7) with a JSON Schema in `Schemas/`.
///
/// Decode and encode payloads with ``MessageCodec``, which enforces the size limit and
/// turns every failure into a ``MessageError``.
public protocol Payload: Codable, Hashable, Sendable {
    /// The schema's file name without `.schema.json`, e.g. `agent-status`.
    static var schemaName: String { get }
}
