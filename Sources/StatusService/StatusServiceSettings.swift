public import AgentState
public import Configuration
import Foundation
public import Messages
public import ServiceKit

/// The status service's own options (DESIGN section 7), beside ``ServiceSettings``.
public struct StatusServiceSettings: Sendable {
    /// The options `--help` lists, after the common ones.
    public static let options: [ServiceOption] = [
        ServiceOption("disconnectGraceMs", "MS", default: "30000",
            "a staffed agent whose client stays offline longer becomes unavailable/disconnected"),
        ServiceOption("loginPresence", "PRESENCE", default: "unavailable", "the presence login gives: unavailable or ready"),
        ServiceOption("statuses", "FILE", default: "the built-in catalogue",
            "the reason catalogue, JSON as published on config/statuses"),
        ServiceOption("directWrapUpMs", "MS", default: "0", "wrap-up after direct and outbound calls"),
        Durability.option,
    ]

    /// The rules' settings for the state machine.
    public var rules: AgentStateMachine.Settings
    public var durability: Durability

    public init(reading config: ConfigReader, codec: MessageCodec) throws {
        let loginText = config.string(forKey: "loginPresence") ?? "unavailable"
        guard let loginPresence = Presence(rawValue: loginText), loginPresence != .withdrawn else {
            throw ConfigurationError(option: "--login-presence", reason: "expected unavailable or ready, got '\(loginText)'")
        }
        var catalogue = StatusCatalogue.standard
        if let path = config.string(forKey: "statuses") {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(option: "--statuses", reason: "cannot read '\(path)'")
            }
            do {
                catalogue = try codec.decode(StatusCatalogue.self, from: Array(bytes))
            } catch {
                throw ConfigurationError(option: "--statuses", reason: "'\(path)': \(error.message)")
            }
            let systemReasons: [(String, Presence)] = [
                ("declined", .withdrawn), ("no-answer", .withdrawn), ("logged-out", .unavailable), ("disconnected", .unavailable),
            ]
            for (id, presence) in systemReasons where catalogue.entry(for: try ReasonID(id))?.presence != presence {
                throw ConfigurationError(
                    option: "--statuses",
                    reason: "'\(path)' needs the reason '\(id)' of presence \(presence), which the rules set")
            }
        }
        durability = try Durability(reading: config)
        rules = AgentStateMachine.Settings(
            catalogue: catalogue, loginPresence: loginPresence,
            disconnectGraceMs: try config.integer("disconnectGraceMs", default: 30_000, in: 0...86_400_000),
            directWrapUpMs: try config.integer("directWrapUpMs", default: 0, in: 0...86_400_000))
    }
}
