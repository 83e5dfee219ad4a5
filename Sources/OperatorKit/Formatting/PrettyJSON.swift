import Foundation

/// JSON for people and scripts: indented, keys sorted, `/` not escaped.
public enum PrettyJSON {
    public static func string(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // Only a time outside the years 0000–9999 cannot be written; no payload read from the bus has one.
            return "{\"error\": \"cannot encode: \(error)\"}"
        }
    }
}
