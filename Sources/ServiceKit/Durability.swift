public import Configuration

/// How durable a service's database commits are (`--durability`), the same for every service
/// that stores state in SQLite (WAL mode).
///
/// - ``processCrash`` (the default): SQLite does not sync the write-ahead log on commit. A
///   killed process loses nothing; a power loss may lose the last transactions, and the
///   database stays consistent.
/// - ``powerLoss``: every commit is synced (`synchronous = FULL`), once per batch.
public enum Durability: String, Sendable, CaseIterable {
    case processCrash = "process-crash"
    case powerLoss = "power-loss"

    /// The `--durability` option, for a service's option list.
    public static let option = ServiceOption(
        "durability", "LEVEL", default: Durability.processCrash.rawValue,
        "process-crash: no change lost when the process dies; power-loss: also sync every commit to disk")

    /// Reads `--durability`, throwing ``ConfigurationError`` for an unknown level.
    public init(reading config: ConfigReader) throws(ConfigurationError) {
        let text = config.string(forKey: "durability") ?? Durability.processCrash.rawValue
        guard let durability = Durability(rawValue: text) else {
            throw ConfigurationError(option: "--durability", reason: "expected process-crash or power-loss, got '\(text)'")
        }
        self = durability
    }

    /// The SQLite `synchronous` setting that gives this durability in WAL mode.
    public var sqliteSynchronous: String { self == .powerLoss ? "FULL" : "NORMAL" }
}

/// A service that cannot start (its database cannot be opened, for example), with the one
/// line to print.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
