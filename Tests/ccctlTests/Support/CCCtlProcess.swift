import Foundation
import MQTT
import Messages
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `ccctl` executable, with its standard output and standard error apart (so a
/// test can tell the result from the error line), and a time limit: a `ccctl` that hangs
/// fails the test instead of holding the run.
final class CCCtlProcess: @unchecked Sendable {
    let process: ChildProcess
    let stdoutFile: URL
    let stderrFile: URL
    let started = ContinuousClock.now

    /// What a finished run gave.
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var elapsed: Duration

        var description: String { "exit \(status) after \(elapsed)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Starts `ccctl arguments`. The environment is the test's without any `MQTT_*`
    /// variable, plus `environment`.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let name = "ccctl-\(UUID().uuidString.prefix(8))"
        stdoutFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).out")
        stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).err")
        let stderrDescriptor = open(stderrFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard stderrDescriptor >= 0 else { throw BrokerError.notReady("cannot create \(stderrFile.path)") }
        defer { close(stderrDescriptor) }
        var childEnvironment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MQTT_") }
        childEnvironment.merge(environment) { $1 }
        process = try ChildProcess(
            executable: Products.path("ccctl"), arguments: arguments, logFile: stdoutFile, environment: childEnvironment,
            fileDescriptors: [2: stderrDescriptor])
    }

    deinit {
        process.signalAndWait(SIGKILL)
        try? FileManager.default.removeItem(at: stdoutFile)
        try? FileManager.default.removeItem(at: stderrFile)
    }

    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Waits until it exits by itself; kills it and fails when that takes longer than `limit`.
    func finish(within limit: Duration = .seconds(20)) async throws -> Result {
        let deadline = started + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signalAndWait(SIGKILL)
                throw StillRunning(description: "ccctl still ran after \(limit): stdout \(stdout), stderr \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return Result(status: process.exitCode ?? -1, stdout: stdout, stderr: stderr, elapsed: ContinuousClock.now - started)
    }

    /// Waits until `condition` holds for what it wrote so far (standard output, standard error).
    func waitFor(
        _ what: String, within limit: Duration = .seconds(10), _ condition: (_ stdout: String, _ stderr: String) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(stdout, stderr) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw StillRunning(description: "ccctl never showed \(what): stdout \(stdout), stderr \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct StillRunning: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `ccctl arguments` to the end.
    static func run(_ arguments: [String], environment: [String: String] = [:], within limit: Duration = .seconds(20)) async throws -> Result {
        try await CCCtlProcess(arguments, environment: environment).finish(within: limit)
    }

    /// Runs `ccctl arguments --mqtt-port <the broker's>` to the end.
    static func run(_ arguments: [String], broker: Broker, within limit: Duration = .seconds(20)) async throws -> Result {
        try await run(arguments + ["--mqtt-port", String(broker.port)], within: limit)
    }
}

/// Runs `body` with a broker, a test client and a started status service (and, with
/// `queueService`, a queue worker), all stopped afterwards.
func withServices(
    queueService: Bool = false, _ body: (Bus, Broker) async throws -> Void
) async throws {
    try await withBus(dataName: "status-data") { bus, broker, statusData in
        let status = try await ServiceProcess.start(
            "status-service", broker: broker, dataDirectory: statusData, observer: bus.client)
        defer { status.stop() }
        let worker = queueService
            ? try await ServiceProcess.start(
                "queue-service", broker: broker, dataDirectory: broker.directory.appendingPathComponent("queue-data"),
                observer: bus.client)
            : nil
        defer { worker?.stop() }
        try await body(bus, broker)
    }
}
