public import Configuration
import Foundation
public import Logging
public import MQTT
public import Messages

/// The settings every service shares (DESIGN section 7), read from a `ConfigReader`.
public struct ServiceSettings: Sendable {
    /// The service's name, as in `service/{name}/{instance}` and `error/{name}`.
    public var name: ServiceName
    public var instance: InstanceID
    public var mqtt: MQTTConfiguration
    public var dataDirectory: String
    public var metricsPort: Int
    public var logLevel: Logger.Level
    public var maxPayloadBytes: Int

    /// Reads the common options for the service `name`; the MQTT will is set to the service's
    /// `offline` presence.
    ///
    /// With `persistentSession`, the client id defaults to the service's name alone (it must
    /// stay the same across restarts) and the session is not clean: the broker keeps the
    /// service's subscriptions and queues what is published for it while it is down.
    public init(reading config: ConfigReader, name: ServiceName, persistentSession: Bool = false) throws {
        self.name = name
        let instanceText = config.string(forKey: "instance") ?? Self.defaultInstance()
        do {
            instance = try InstanceID(instanceText)
        } catch {
            throw ConfigurationError(option: "--instance", reason: error.message)
        }
        mqtt = try MQTTConfiguration(reading: config, defaultClientID: persistentSession ? "\(name)" : "\(name)-\(instance)")
        mqtt.cleanSession = !persistentSession
        dataDirectory = config.string(forKey: "data.dir") ?? "./data/\(name)"
        if dataDirectory.isEmpty { throw ConfigurationError(option: "--data-dir", reason: "may not be empty") }
        metricsPort = try config.integer("metrics.port", default: 0, in: 0...65_535)
        let levelText = config.string(forKey: "log.level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(
                option: "--log-level",
                reason: "expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(levelText)'")
        }
        logLevel = level
        maxPayloadBytes = try config.integer("maxPayloadBytes", default: MessageCodec.defaultMaxPayloadBytes, in: 64...268_435_455)
        mqtt.will = MQTTConfiguration.Will(topic: presenceTopic.name, payload: presencePayload(.offline))
    }

    /// `service/{name}/{instance}`.
    public var presenceTopic: Topic { .service(name: name, instance: instance) }

    /// `error/{name}`.
    public var errorTopic: Topic { .error(service: name) }

    /// The service's presence payload in `state`.
    public func presencePayload(_ state: ServicePresence.State, shard: Int? = nil, shards: Int? = nil) -> [UInt8] {
        let presence = ServicePresence(
            state: state, service: name, instance: instance, version: ServiceSettings.buildVersion, at: .now,
            shard: shard, shards: shards)
        // A presence is always encodable: its only time is now.
        return (try? MessageCodec().encode(presence)) ?? []
    }

    /// The version the services report in their presence.
    public static let buildVersion = "0.4.0"

    /// The host name (reduced to id characters) and the process id.
    static func defaultInstance() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let cleaned = String(host.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
            default: "-"
            }
        }.prefix(40))
        return "\(cleaned.isEmpty ? "host" : cleaned)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}

extension ConfigReader {
    /// The whole number at `key` within `range`, or `defaultValue`; a bad value names the option.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(forKey: ConfigKey(key)) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                option: ServiceOption(key, "", default: nil, "").flag,
                reason: "expected a whole number in \(range.lowerBound)–\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
