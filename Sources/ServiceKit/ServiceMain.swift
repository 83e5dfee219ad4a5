public import Configuration
import Foundation
public import Logging
import MQTT
public import Messages
public import ServiceLifecycle
import UnixSignals

/// What a service executable does around its services: `--help`, refusing unknown options,
/// reading the settings, bootstrapping logs, running the `ServiceGroup` until SIGTERM or
/// SIGINT, and exiting with one clear line on stderr when something is wrong.
///
/// `persistentSession`: see ``ServiceSettings/init(reading:name:persistentSession:)``;
/// `sessionClientID`: the default client id `--help` shows, when the service sets its own.
///
/// Exit codes: 0 after a clean stop, 2 for a wrong option, 1 when the service fails
/// (for example, the broker cannot be reached at start).
public enum ServiceMain {
    public static func run(
        name: String,
        summary: String,
        options serviceOptions: [ServiceOption],
        persistentSession: Bool = false,
        sessionClientID: String? = nil,
        arguments: [String] = CommandLine.arguments,
        build: (ConfigReader, ServiceSettings, Logger) throws -> [any Service]
    ) async -> Never {
        let options =
            ServiceOption.common(service: name, persistentSession: persistentSession, sessionClientID: sessionClientID)
            + serviceOptions
        if arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
            print(help(name: name, summary: summary, options: options))
            exit(0)
        }
        let config: ConfigReader
        let settings: ServiceSettings
        do {
            try check(arguments: arguments, options: options)
            config = ConfigReader(providers: [
                CommandLineArgumentsProvider(arguments: arguments), EnvironmentVariablesProvider(),
            ])
            settings = try ServiceSettings(reading: config, name: try ServiceName(name), persistentSession: persistentSession)
        } catch {
            fail(name, error, code: 2)
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: name)
        logger[metadataKey: "instance"] = "\(settings.instance)"
        var services: [any Service] = []
        do {
            // Before the services make their metrics, so that they are exported.
            if settings.metricsPort > 0 {
                services.append(MetricsServer.service(port: settings.metricsPort, logger: logger))
            }
            services = try build(config, settings, logger) + services
        } catch let error as ConfigurationError {
            fail(name, error, code: 2)
        } catch {
            fail(name, error, code: 1)
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map {
                    ServiceGroupConfiguration.ServiceConfiguration(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            fail(name, error, code: 1)
        }
        exit(0)
    }

    /// The `--help` text: every option with its variable and default.
    static func help(name: String, summary: String, options: [ServiceOption]) -> String {
        let flags = options.map { "\($0.flag) \($0.placeholder)" }
        let width = (flags.map(\.count).max() ?? 0) + 2
        let envWidth = (options.map(\.environmentVariable.count).max() ?? 0) + 2
        var lines = [
            "\(name): \(summary)", "",
            "Usage: \(name) [--option value]...", "",
            "Every option can also be set by the environment variable beside it; the command line wins.", "",
        ]
        for (option, flag) in zip(options, flags) {
            let defaultText = option.defaultValue.map { " (default: \($0))" } ?? ""
            lines.append(
                "  " + flag.padding(toLength: width, withPad: " ", startingAt: 0)
                    + option.environmentVariable.padding(toLength: envWidth, withPad: " ", startingAt: 0)
                    + option.help + defaultText)
        }
        lines.append("  " + "--help".padding(toLength: width + envWidth, withPad: " ", startingAt: 0) + "show this text")
        return lines.joined(separator: "\n")
    }

    /// Refuses arguments that are not `--option value` or `--option=value` pairs of known options.
    static func check(arguments: [String], options: [ServiceOption]) throws(ConfigurationError) {
        let known = Set(options.map(\.flag))
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw ConfigurationError(option: "argument '\(argument)'", reason: "expected an option (see --help)")
            }
            let flag = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard known.contains(flag) else {
                throw ConfigurationError(option: "option '\(flag)'", reason: "unknown (see --help)")
            }
            if flag == argument {
                guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
                    throw ConfigurationError(option: flag, reason: "needs a value")
                }
                index += 1
            }
            index += 1
        }
    }

    private static func fail(_ name: String, _ error: any Error, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
        exit(code)
    }
}
