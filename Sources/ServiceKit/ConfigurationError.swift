/// An option with a value that cannot work; its description is the one line the service
/// prints before exiting, e.g. `invalid --disconnect-grace-ms: expected a whole number…`.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var option: String
    public var reason: String

    public init(option: String, reason: String) {
        self.option = option
        self.reason = reason
    }

    public var description: String { "invalid \(option): \(reason)" }
}
