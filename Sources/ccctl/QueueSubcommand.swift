import ArgumentParser
import Foundation
import Messages
import OperatorKit

/// `ccctl queue apply|delete|list|show`.
struct QueueSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Define, delete and list distribution queues (retained config/queue/{id}).",
        discussion: """
            A queue is defined by its retained JSON on config/queue/{id}: every queue worker, the \
            status service and the reporting service read it from there, so a change applies \
            without a restart. The fields and their defaults are in DESIGN section 7 and \
            Deploy/examples/.
            """,
        subcommands: [Apply.self, Delete.self, List.self, Show.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the queue definitions of a file (and delete queues with --delete).",
            discussion: """
                The file is what 'queue-service --queues' reads: a JSON array of definitions, or \
                {"queues": [...]}. Every definition is checked before any is published; each is \
                then published retained on config/queue/{id} (QoS 1), each after the broker \
                acknowledged the one before. Queues not in the file are left as they are: delete \
                them with --delete <id> (repeatable) or 'ccctl queue delete'.
                """
        )

        @Argument(help: ArgumentHelp("The queue file.", valueName: "file"))
        var file: String?

        @Option(name: .customLong("delete"), help: ArgumentHelp("Also delete this queue (repeatable).", valueName: "queue-id"))
        var deletions: [String] = []

        @OptionGroup(title: "Broker options")
        var broker: BrokerOptions

        func run() async throws {
            guard file != nil || !deletions.isEmpty else {
                throw OperatorError(.usage, "give a queue file, or --delete <queue-id> (see 'ccctl queue apply --help')")
            }
            let definitions = try file.map { path throws(OperatorError) in try QueueFileReader.read(path: path) } ?? []
            let deleted: [QueueID] = try deletions.map { text throws(OperatorError) in try parseID(text) }
            if let both = deleted.first(where: { id in definitions.contains { $0.queueId == id } }) {
                throw OperatorError(.usage, "queue '\(both)' is both in the file and given to --delete")
            }
            let timeout = try broker.timeLimit()
            try await broker.session { session in
                try await session.apply(definitions, timeout: timeout)
                for queue in deleted { try await session.delete(queue, timeout: timeout) }
            }
            for definition in definitions {
                let members = definition.members.count == 1 ? "1 member" : "\(definition.members.count) members"
                Output.line("applied \(definition.queueId) (\(definition.name): \(members), \(definition.strategy.rawValue))")
            }
            for queue in deleted { Output.line("deleted \(queue)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete queues: publish the empty retained payload on config/queue/{id}.",
            discussion: """
                The queue's worker overflows the calls still waiting in it to its overflow target \
                and clears its queue/{id}/state.
                """
        )

        @Argument(help: ArgumentHelp("The queues to delete.", valueName: "queue-id"))
        var queueIDs: [String]

        @OptionGroup(title: "Broker options")
        var broker: BrokerOptions

        func run() async throws {
            let queues: [QueueID] = try queueIDs.map { text throws(OperatorError) in try parseID(text) }
            let timeout = try broker.timeLimit()
            try await broker.session { session in
                for queue in queues { try await session.delete(queue, timeout: timeout) }
            }
            for queue in queues { Output.line("deleted \(queue)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the queues: their definitions and live state.",
            discussion: """
                One row per queue, sorted by id: id, name, strategy, members, calls waiting, the \
                longest wait now, staffed and routable members (from the retained \
                queue/{id}/state, '-' while no worker has published one). With --json, an array \
                of {"definition", "state"}.
                """
        )

        @Flag(help: "Print the definitions and states as JSON.")
        var json = false

        @OptionGroup(title: "Broker options")
        var broker: BrokerOptions

        func run() async throws {
            let timeout = try broker.timeLimit()
            let overview = try await broker.session { session in try await session.queues(timeout: timeout) }
            for skipped in overview.skipped { Output.error("ccctl: \(skipped.line)") }
            if json {
                Output.line(PrettyJSON.string(overview.definitions.map { QueueJSON(definition: $0, state: overview.states[$0.queueId]) }))
            } else if overview.definitions.isEmpty && overview.states.isEmpty {
                Output.line("no queues: config/queue/+ holds no definition")
            } else {
                Output.lines(QueueTable.lines(overview, now: .now))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one queue: its definition (JSON) and its live state.",
            discussion: "A queue with no definition exits 1."
        )

        @Argument(help: ArgumentHelp("The queue.", valueName: "queue-id"))
        var queueID: String

        @Flag(help: "Print {\"definition\", \"state\"} as JSON.")
        var json = false

        @Flag(help: "Print times in UTC rather than local time.")
        var utc = false

        @OptionGroup(title: "Broker options")
        var broker: BrokerOptions

        func run() async throws {
            let queue: QueueID = try parseID(queueID)
            let timeout = try broker.timeLimit()
            let overview = try await broker.session { session in try await session.queues(queue, timeout: timeout) }
            for skipped in overview.skipped { Output.error("ccctl: \(skipped.line)") }
            guard let definition = overview.definitions.first else {
                throw OperatorError(.notFound, "no queue '\(queue)': config/queue/\(queue) holds no definition")
            }
            let state = overview.states[queue]
            if json {
                Output.line(PrettyJSON.string(QueueJSON(definition: definition, state: state)))
            } else {
                Output.lines(QueueTable.details(definition, state: state, now: .now, timeZone: utc ? TimeZone(identifier: "UTC")! : .current))
            }
        }
    }
}

/// A queue as `--json` prints it.
struct QueueJSON: Encodable {
    var definition: QueueDefinition
    var state: QueueState?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(definition, forKey: .definition)
        try container.encode(state, forKey: .state)
    }

    private enum CodingKeys: String, CodingKey {
        case definition, state
    }
}
