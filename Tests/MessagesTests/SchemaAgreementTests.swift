import Foundation
import Messages
import Testing

/// The Swift types and the JSON Schemas in `Schemas/` agree, checked in both directions
/// with an independent validator (python `jsonschema`, draft 2020-12, formats on).
@Suite("Schema agreement")
struct SchemaAgreementTests {
    @Test("every schema in Schemas/ has a Swift type and every type has a schema")
    func mappingTable() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: schemasDirectory.path)
        let schemaNames = Set(files.filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) })
            .subtracting(["common"])
        let typeNames = payloadTypes.map { $0.schemaName }
        #expect(Set(typeNames).count == typeNames.count, "two types claim the same schema")
        #expect(schemaNames.subtracting(typeNames).sorted() == [], "schemas without a Swift type")
        #expect(Set(typeNames).subtracting(schemaNames).sorted() == [], "types without a schema")
    }

    @Test("Swift values of every type encode to JSON the schemas accept")
    func encodedValuesAreValid() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("messages-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var written: [String: Int] = [:]
        for value in try Examples.all() {
            func write<P: Payload>(_ value: P) throws {
                let folder = directory.appendingPathComponent(P.schemaName)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let index = written[P.schemaName, default: 0]
                written[P.schemaName] = index + 1
                try Data(codec.encode(value)).write(to: folder.appendingPathComponent("\(index).json"))
            }
            try write(value)
        }
        #expect(Set(written.keys) == Set(payloadTypes.map { $0.schemaName }), "every type has a Swift example")

        let results = try SchemaValidator.run([directory.path])
        #expect(results.count == written.values.reduce(0, +))
        for result in results {
            #expect(result.valid, "\(result.file) (\(result.schema)): \(result.errors)")
        }
    }

    @Test("every example in the schemas is valid and decodes into its Swift type, also with an unknown field added")
    func schemaExamplesDecode() throws {
        let results = try SchemaValidator.run(["--examples"])
        let exampleCount = try payloadTypes.map { try schemaExamples($0.schemaName).count }.reduce(0, +)
        #expect(results.count == exampleCount, "the validator checked every example")
        for result in results {
            #expect(result.valid, "\(result.file): \(result.errors)")
        }
        for type in payloadTypes {
            let examples = try schemaExamples(type.schemaName)
            #expect(examples.count >= 2, "\(type.schemaName) needs examples of its variants")
            for (index, example) in examples.enumerated() {
                let bytes = Array(try JSONSerialization.data(withJSONObject: example))
                var extended = try #require(example as? [String: Any])
                extended["addedByALaterVersion"] = ["nested": [1, "two", NSNull()]]
                let extendedBytes = Array(try JSONSerialization.data(withJSONObject: extended))
                do {
                    let (value, again) = try decodeAndRoundTrip(type, bytes)
                    #expect(isEqual(value, again), "\(type.schemaName) example \(index) changes when re-encoded")
                    let (withUnknownField, _) = try decodeAndRoundTrip(type, extendedBytes)
                    #expect(isEqual(value, withUnknownField), "\(type.schemaName) example \(index): unknown field not ignored")
                } catch {
                    Issue.record("\(type.schemaName) example \(index) does not decode: \(error)")
                }
            }
        }
    }

    @Test("every invalid fixture is rejected by Swift with the expected code and by the schema")
    func invalidFixturesAreRejected() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: invalidFixturesDirectory.path)
        var fixtures: [String: String] = [:]  // path → expected code
        for folder in folders.sorted() {
            let type = try #require(payloadTypes.first { $0.schemaName == folder }, "no type for fixtures in \(folder)")
            let folderURL = invalidFixturesDirectory.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: folderURL.path) where file.hasSuffix(".json") {
                let url = folderURL.appendingPathComponent(file)
                // <what>.<expected-code>.json
                let expected = String(file.dropLast(".json".count).split(separator: ".").last ?? "")
                fixtures[url.path] = expected
                let bytes = Array(try Data(contentsOf: url))
                func open<P: Payload>(_ type: P.Type) -> MessageError? {
                    do {
                        _ = try codec.decode(P.self, from: bytes)
                        return nil
                    } catch {
                        return error
                    }
                }
                let error = open(type)
                #expect(error != nil, "Swift accepted \(folder)/\(file)")
                #expect(error?.code.rawValue == expected, "\(folder)/\(file): \(String(describing: error))")
            }
        }
        #expect(Set(fixtures.values).isSuperset(of: ["missing-field", "invalid-field", "invalid-id"]))
        #expect(Set(folders).isSuperset(of: payloadTypes.map { $0.schemaName }), "every schema has invalid fixtures")

        let results = try SchemaValidator.run([invalidFixturesDirectory.path])
        #expect(Set(results.map(\.file)) == Set(fixtures.keys))
        for result in results {
            #expect(!result.valid, "the schema accepted \(result.file)")
        }
    }

    @Test("the AsyncAPI document describes every topic and refers only to existing schemas")
    func asyncAPI() throws {
        let text = try String(contentsOf: schemasDirectory.appendingPathComponent("asyncapi.yaml"), encoding: .utf8)
        #expect(text.hasPrefix("asyncapi: 3.0.0"))
        let addresses = [
            "agent/{agentId}/status", "agent/{agentId}/event", "agent/{agentId}/command", "agent/{agentId}/connection",
            "agent/{agentId}/reserve", "agent/{agentId}/release", "queue/{queueId}/enqueue", "queue/{queueId}/state",
            "queue/{queueId}/event", "call/{callId}/event", "call/{callId}/route", "call/{callId}/overflow",
            "report/queue/{queueId}", "report/agent/{agentId}", "report/totals", "config/statuses",
            "config/queue/{queueId}", "service/{serviceName}/{instance}", "error/{serviceName}",
        ]
        for address in addresses {
            #expect(text.contains("address: '\(address)'"), "missing channel \(address)")
        }
        let referenced = text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "$ref: './") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "'" })
        }
        #expect(Set(referenced) == Set(payloadTypes.map { "\($0.schemaName).schema.json" }))
        for file in referenced {
            #expect(FileManager.default.fileExists(atPath: schemasDirectory.appendingPathComponent(file).path), "\(file)")
        }
    }
}
