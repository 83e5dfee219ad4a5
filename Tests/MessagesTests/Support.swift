import Foundation
import Messages
import Testing

/// Every payload type, by schema name; the agreement tests check this against `Schemas/`.
let payloadTypes: [any Payload.Type] = [
    AgentStatus.self, AgentEvent.self, AgentCommand.self, Reply.self, AgentConnection.self,
    EnqueueRequest.self, CallEvent.self, CallRoute.self, ReserveRequest.self, ReleaseRequest.self,
    CallOverflow.self, QueueState.self, QueueEvent.self, ServicePresence.self, ServiceError.self,
    StatusCatalogue.self, QueueDefinition.self, QueueReport.self, AgentReport.self, TotalsReport.self,
    LiveReport.self,
]

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let schemasDirectory = packageRoot.appendingPathComponent("Schemas")
let invalidFixturesDirectory = packageRoot.appendingPathComponent("Tests/schema-validator/invalid")

let codec = MessageCodec()

/// Decodes JSON text with the codec.
func decode<P: Payload>(_ type: P.Type, _ json: String) throws(MessageError) -> P {
    try codec.decode(type, from: Array(json.utf8))
}

/// The error decoding `json` as `P` throws, or nil when it decodes.
func decodingError<P: Payload>(_ type: P.Type, _ json: String) -> MessageError? {
    do {
        _ = try decode(type, json)
        return nil
    } catch {
        return error
    }
}

/// Encodes `payload` and parses the JSON back into a dictionary, to look at keys.
func jsonObject<P: Payload>(_ payload: P) throws -> [String: Any] {
    let bytes = try codec.encode(payload)
    return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

/// Reads the `examples` of a schema file.
func schemaExamples(_ schemaName: String) throws -> [Any] {
    let url = schemasDirectory.appendingPathComponent("\(schemaName).schema.json")
    let schema = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    return try #require(schema["examples"] as? [Any], "\(schemaName) has no examples")
}

/// Opens the existential so a `Payload.Type` can be decoded generically; returns the
/// value re-encoded and decoded again, to compare.
func decodeAndRoundTrip(_ type: any Payload.Type, _ bytes: [UInt8]) throws -> (any Payload, any Payload) {
    func open<P: Payload>(_ type: P.Type) throws -> (any Payload, any Payload) {
        let value = try codec.decode(P.self, from: bytes)
        let again = try codec.decode(P.self, from: codec.encode(value))
        return (value, again)
    }
    return try open(type)
}

func isEqual(_ lhs: any Payload, _ rhs: any Payload) -> Bool {
    func open<P: Payload>(_ lhs: P) -> Bool { (rhs as? P) == lhs }
    return open(lhs)
}

/// Runs `Tests/schema-validator/validate.py` with the interpreter in `SCHEMA_PYTHON`
/// (default `python3`). Throws, never skips, when python or jsonschema is missing.
enum SchemaValidator {
    struct Result: Decodable {
        var file: String
        var schema: String
        var valid: Bool
        var errors: [String]
    }

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws -> [Result] {
        let python = ProcessInfo.processInfo.environment["SCHEMA_PYTHON"] ?? "python3"
        let script = packageRoot.appendingPathComponent("Tests/schema-validator/validate.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--schemas", schemasDirectory.path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Unavailable(description: "cannot start '\(python)' for the schema validator: \(error)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 || process.terminationStatus == 1 else {
            throw Unavailable(
                description: """
                    the schema validator could not run with '\(python)' (exit \(process.terminationStatus)). \
                    It needs python 3 with the jsonschema package; set SCHEMA_PYTHON to such an interpreter. \
                    \(stderr)
                    """)
        }
        return try String(decoding: stdout, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(Result.self, from: Data($0.utf8))
        }
    }
}
