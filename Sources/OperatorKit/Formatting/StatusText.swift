public import Messages

/// An agent's state in words, as every `ccctl` output writes it.
public enum StatusText {
    /// `ready/idle`, `withdrawn(lunch)/idle`, `unavailable/on-call`: presence, its reason in
    /// brackets, and activity.
    public static func state(_ presence: Presence, _ reason: ReasonID?, _ activity: Activity) -> String {
        "\(presence.rawValue)\(reason.map { "(\($0))" } ?? "")/\(activity.rawValue)"
    }

    /// `ready/idle` for an event's side.
    public static func state(_ state: AgentEvent.State) -> String {
        self.state(state.presence, state.reason, state.activity)
    }

    /// The one line `ccctl agent` prints for the resulting status:
    /// `a-17 withdrawn(lunch)/idle — lunch, version 4`, with the call when there is one
    /// (`a-17 ready/on-call call c-9 from sales — on-call, version 7`) and `routable` when
    /// the agent may be offered queue calls.
    public static func line(_ status: AgentStatus) -> String {
        var line = "\(status.agentId) \(state(status.presence, status.reason, status.activity))"
        if let call = status.callId {
            line += " call \(call)"
            if let queue = status.queueId { line += " from \(queue)" }
        }
        line += " — \(status.display)"
        if status.routable { line += ", routable" }
        return line + ", version \(status.version)"
    }
}

/// `ccctl status`: one row per agent.
public enum AgentTable {
    /// A header and a row per status, in the order given: agent, display, presence, reason,
    /// activity, time in that state at `now` (since the later of the presence's and the
    /// activity's change), version.
    public static func lines(_ statuses: [AgentStatus], now: Timestamp) -> [String] {
        var table = TextTable(
            ["AGENT", "DISPLAY", "PRESENCE", "REASON", "ACTIVITY", "IN STATE", "VERSION"],
            alignments: [.left, .left, .left, .left, .left, .right, .right])
        for status in statuses {
            table.append([
                status.agentId.value, status.display, status.presence.rawValue, status.reason?.value ?? "-",
                status.activity.rawValue + (status.callId.map { " (\($0))" } ?? ""),
                TimeText.duration(milliseconds: now.milliseconds(since: max(status.since, status.activitySince))),
                String(status.version),
            ])
        }
        return table.lines
    }
}

/// `ccctl statuses`: the reason catalogue.
public enum CatalogueTable {
    /// A header and a row per reason, in the catalogue's order: id, label, presence,
    /// whether agents may pick it.
    public static func lines(_ catalogue: StatusCatalogue) -> [String] {
        var table = TextTable(["ID", "LABEL", "PRESENCE", "AGENT-SELECTABLE"])
        for entry in catalogue.statuses {
            table.append([entry.id.value, entry.label, entry.presence.rawValue, entry.agentSelectable ? "yes" : "no"])
        }
        return table.lines
    }
}
