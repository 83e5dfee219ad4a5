public import Foundation
public import MQTT
import Messages

/// A real service executable (`status-service`, `queue-service`…), started against a test
/// broker with its own data directory. `start` returns once the service has announced
/// itself online on `service/{executable}/{instance}`.
public final class ServiceProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let instance: String

    private init(process: ChildProcess, instance: String) {
        self.process = process
        self.instance = instance
    }

    /// The service did not come online; its output says why.
    public struct NotOnline: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` and waits for its retained `online` presence. `observer` must be
    /// a connected client of `broker`.
    public static func start(
        _ executable: String, broker: Broker, dataDirectory: URL, observer: MQTTClient, options: [String] = [],
        instance: String? = nil
    ) async throws -> ServiceProcess {
        let instance = instance ?? "\(executable)-\(UUID().uuidString.prefix(6))"
        let presence = Inbox(try await observer.subscribe(to: [TopicFilter(stringLiteral: "service/\(executable)/\(instance)")]))
        let process = try ChildProcess(
            executable: Products.path(executable),
            arguments: [
                "--mqtt-port", String(broker.port), "--data-dir", dataDirectory.path, "--instance", instance,
                "--log-level", "notice",
            ] + options,
            logFile: broker.directory.appendingPathComponent("\(instance).log"))
        while true {
            let message: MQTTMessage
            do {
                message = try await presence.next(timeout: .seconds(30))
            } catch {
                process.signalAndWait(SIGKILL)
                throw NotOnline(description: "\(executable) did not come online (\(error)): \(process.output)")
            }
            let state = try MessageCodec().decode(ServicePresence.self, from: message.payload)
            if state.state == .online { break }
        }
        return ServiceProcess(process: process, instance: instance)
    }

    /// Runs `executable` with `arguments` until it exits by itself (for option checks that
    /// end it at start), returning its exit code (-1 when killed by a signal) and its output.
    public static func runToEnd(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable)-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try ChildProcess(executable: Products.path(executable), arguments: arguments, logFile: log)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return (process.exitCode ?? -1, process.output)
    }

    /// SIGKILL: no clean shutdown, no chance to write anything more.
    public func kill() { process.signalAndWait(SIGKILL) }

    /// SIGTERM, the way an operator stops it.
    public func stop() { process.signalAndWait(SIGTERM) }

    public var output: String { process.output }
}
