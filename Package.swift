// swift-tools-version: 6.2
import PackageDescription

/// One list of settings for every target: Swift 6 language mode (strict concurrency)
/// plus the upcoming features the Swift server ecosystem builds with.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "contact-centre",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MQTT", targets: ["MQTT"]),
        .library(name: "Messages", targets: ["Messages"]),
        .library(name: "AgentState", targets: ["AgentState"]),
        .executable(name: "status-service", targets: ["status-service"]),
        .executable(name: "queue-service", targets: ["queue-service"]),
        .executable(name: "reporting-service", targets: ["reporting-service"]),
        .executable(name: "cc-sim", targets: ["cc-sim"]),
        .executable(name: "cc-bench", targets: ["cc-bench"]),
        .executable(name: "ccctl", targets: ["ccctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(
            url: "https://github.com/apple/swift-configuration.git",
            from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]
        ),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // libmosquitto, through pkg-config; only the MQTT module imports it.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "MQTT",
            dependencies: [
                "CMosquitto",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Messages",
            dependencies: ["MQTT"],
            swiftSettings: swiftSettings
        ),
        // The agent state model of DESIGN section 2 as a pure state machine: no I/O, no clock.
        .target(
            name: "AgentState",
            dependencies: ["Messages", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // The call distribution of DESIGN section 3 as a pure state machine: no I/O, no clock.
        .target(
            name: "QueueDispatch",
            dependencies: ["Messages", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // What every service executable shares: options and --help, settings, presence, the run loop.
        .target(
            name: "ServiceKit",
            dependencies: [
                "MQTT", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The status service: the single writer of agent state, durable in SQLite.
        .target(
            name: "StatusService",
            dependencies: [
                "AgentState", "Messages", "MQTT", "ServiceKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "status-service",
            dependencies: [
                "StatusService", "ServiceKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The queue service: call distribution for the queues of one shard, durable in SQLite.
        .target(
            name: "QueueService",
            dependencies: [
                "QueueDispatch", "Messages", "MQTT", "ServiceKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "queue-service",
            dependencies: ["QueueService", "ServiceKit"],
            swiftSettings: swiftSettings
        ),
        // The reporting of DESIGN section 5 as pure values: live figures and interval
        // accounting, no I/O, no clock.
        .target(
            name: "Reporting",
            dependencies: ["Messages"],
            swiftSettings: swiftSettings
        ),
        // The reporting service: live reports, the wall-board over HTTP, history in SQLite.
        .target(
            name: "ReportingService",
            dependencies: [
                "Reporting", "Messages", "MQTT", "ServiceKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reporting-service",
            dependencies: ["ReportingService", "ServiceKit"],
            swiftSettings: swiftSettings
        ),
        // The simulated contact centre (agents, callers, telephony) that cc-sim plays over MQTT.
        .target(
            name: "Simulation",
            dependencies: ["MQTT", "Messages", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cc-sim",
            dependencies: [
                "Simulation", "MQTT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The raw yardstick for `cc-bench mqtt`: requester and responder in C,
        // straight on libmosquitto, with no Swift in between.
        .target(
            name: "CMosquittoBaseline",
            linkerSettings: [.linkedLibrary("mosquitto")]
        ),
        .executableTarget(
            name: "cc-bench",
            dependencies: [
                "MQTT",
                "Messages",
                "Simulation",
                "CMosquittoBaseline",
                // ChildProcess: starts the status-service executable with the default signal mask.
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What `ccctl` does, as a library the tests call: commands and their replies, retained
        // sets read up to a marker, the tables and watch lines as values.
        .target(
            name: "OperatorKit",
            dependencies: [
                "MQTT", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator's and agent's command line (DESIGN section 7).
        .executableTarget(
            name: "ccctl",
            dependencies: [
                "OperatorKit", "MQTT", "Messages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts and stops a real mosquitto for the tests that touch the bus.
        .target(
            name: "TestSupport",
            dependencies: ["MQTT", "Messages", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support",
            exclude: ["mosquitto.conf", "mosquitto-tls.conf", "mosquitto-auth.conf"],
            swiftSettings: swiftSettings
        ),
        // Ids as string literals ("a1" for an AgentID), for tests only.
        .target(
            name: "TestLiterals",
            dependencies: ["Messages"],
            path: "Tests/Literals",
            swiftSettings: swiftSettings
        ),
        // A process for the last-will test to kill.
        .executableTarget(
            name: "mqtt-will-probe",
            dependencies: ["MQTT", .product(name: "Logging", package: "swift-log")],
            path: "Tests/MQTTWillProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MQTTTests",
            dependencies: [
                "MQTT", "TestSupport", "mqtt-will-probe",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: ["ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentStateTests",
            dependencies: ["AgentState", "Messages", "TestLiterals"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StatusServiceTests",
            dependencies: [
                "StatusService", "AgentState", "Messages", "MQTT", "TestSupport", "status-service",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QueueDispatchTests",
            dependencies: ["QueueDispatch", "Messages", "TestLiterals"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QueueServiceTests",
            dependencies: [
                "QueueDispatch", "Messages", "MQTT", "TestSupport", "TestLiterals", "queue-service", "status-service",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Messages", "TestLiterals"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportingServiceTests",
            dependencies: [
                "Reporting", "ReportingService", "Messages", "MQTT", "TestSupport", "TestLiterals",
                "reporting-service", "queue-service", "status-service",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: ["Simulation", "Messages", "MQTT", "TestSupport", "TestLiterals", "cc-sim", "status-service", "queue-service"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ccctlTests",
            dependencies: [
                "OperatorKit", "Messages", "MQTT", "TestSupport", "TestLiterals", "ccctl", "status-service", "queue-service",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MessagesTests",
            dependencies: ["Messages", "MQTT"],
            swiftSettings: swiftSettings
        ),
    ]
)
