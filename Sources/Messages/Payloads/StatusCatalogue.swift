/// The catalogue of status reasons, published retained on `config/statuses` by the status
/// service so agent clients can build their drop-down list. It does not list `ready`.
///
/// Decoding rejects an entry whose presence is `ready` and repeated ids.
public struct StatusCatalogue: Payload {
    public static var schemaName: String { "status-catalogue" }

    /// One reason of the catalogue.
    public struct Entry: Codable, Hashable, Sendable {
        public var id: ReasonID
        /// What agents see, e.g. `Lunch`.
        public var label: String
        /// The presence this reason goes with: `withdrawn` or `unavailable`.
        public var presence: Presence
        /// Whether agents may pick it; otherwise only the system or a supervisor sets it.
        public var agentSelectable: Bool

        public init(id: ReasonID, label: String, presence: Presence, agentSelectable: Bool) {
            self.id = id
            self.label = label
            self.presence = presence
            self.agentSelectable = agentSelectable
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(ReasonID.self, forKey: .id)
            label = try c.decode(String.self, forKey: .label, maxLength: 128)
            presence = try c.decode(Presence.self, forKey: .presence)
            if presence == .ready {
                throw c.invalid(.presence, "expected one of withdrawn, unavailable (ready takes no reason), got 'ready'")
            }
            agentSelectable = try c.decode(Bool.self, forKey: .agentSelectable)
        }
    }

    /// Every reason, in the order agent clients list them.
    public var statuses: [Entry]

    public init(statuses: [Entry]) {
        self.statuses = statuses
    }

    /// The entry with `id`, if any.
    public func entry(for id: ReasonID) -> Entry? {
        statuses.first { $0.id == id }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        statuses = try c.decode([Entry].self, forKey: .statuses)
        var seen = Set<ReasonID>()
        for (index, entry) in statuses.enumerated() where !seen.insert(entry.id).inserted {
            throw MessageError(
                .invalidField, field: "statuses[\(index)].id", "duplicate reason id \(MessageError.quoted(entry.id.value))")
        }
    }
}

extension StatusCatalogue {
    /// DESIGN section 2's default catalogue.
    public static let standard: StatusCatalogue = {
        func entry(_ id: String, _ label: String, _ presence: Presence, _ selectable: Bool) -> Entry {
            // The ids are constants known to be valid.
            Entry(id: try! ReasonID(id), label: label, presence: presence, agentSelectable: selectable)
        }
        return StatusCatalogue(statuses: [
            entry("busy", "Busy", .withdrawn, true),
            entry("break", "Break", .withdrawn, true),
            entry("lunch", "Lunch", .withdrawn, true),
            entry("training", "Training", .withdrawn, true),
            entry("meeting", "Meeting", .withdrawn, true),
            entry("admin", "Admin", .withdrawn, true),
            entry("declined", "Declined a call", .withdrawn, false),
            entry("no-answer", "Did not answer", .withdrawn, false),
            entry("end-of-day", "End of day", .unavailable, true),
            entry("logged-out", "Logged out", .unavailable, false),
            entry("disconnected", "Disconnected", .unavailable, false),
        ])
    }()
}
