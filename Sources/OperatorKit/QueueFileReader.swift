import Foundation
public import Messages

/// Reads the queue file `ccctl queue apply` takes: the format of `queue-service --queues`
/// (`QueueFile`: a JSON array of definitions, or an object with a `queues` array).
public enum QueueFileReader {
    /// The definitions in the file at `path`; a usage error naming the file when it cannot
    /// be read or is not a valid queue file.
    public static func read(path: String) throws(OperatorError) -> [QueueDefinition] {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw OperatorError(.usage, "cannot read the queue file '\(path)'")
        }
        return try decode(Array(bytes), name: path)
    }

    /// The definitions in `bytes`, read from `name` (for the error).
    public static func decode(_ bytes: [UInt8], name: String) throws(OperatorError) -> [QueueDefinition] {
        do {
            return try QueueFile.decode(bytes)
        } catch {
            throw OperatorError(.usage, "'\(name)' is not a valid queue file: \(error.message)")
        }
    }
}
