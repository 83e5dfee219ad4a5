import Dispatch
import Foundation
import Synchronization
import TestSupport

/// A service executable (`status-service`, `queue-service`, `reporting-service`) as a benchmark runs it: started
/// on a data directory, killed with SIGKILL and started again on the same directory, stopped
/// with SIGTERM at the end. Its output goes to `logFile`.
final class ServiceUnderBench {
    let executable: String
    let arguments: [String]
    let logFile: URL
    /// Its `--instance`, as in its presence topic `service/{name}/{instance}`.
    let instance: String
    private var process: ChildProcess?

    init(
        executable: String, host: String, port: Int, dataDirectory: URL, instance: String, logFile: URL,
        options: [String] = []
    ) {
        self.executable = executable
        self.arguments = [
            "--mqtt-host", host, "--mqtt-port", String(port), "--data-dir", dataDirectory.path, "--instance", instance,
        ] + options
        self.logFile = logFile
        self.instance = instance
    }

    /// The path of the executable `name` in the folder cc-bench was started from.
    static func besideBench(_ name: String) -> String {
        let benchPath = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: benchPath).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Starts the executable; it is online once it publishes its presence.
    func start() throws {
        let process = try ChildProcess(executable: executable, arguments: arguments, logFile: logFile)
        self.process = process
        Self.running.withLock { _ = $0.insert(process.pid) }
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// SIGKILL, and waits until it has gone: no clean shutdown, nothing more written.
    func kill() {
        process?.signalAndWait(SIGKILL)
        forget()
    }

    /// SIGTERM, the way an operator stops it (SIGKILL after 10 s).
    func stop() {
        process?.signalAndWait(SIGTERM)
        forget()
    }

    private func forget() {
        if let pid = process?.pid { Self.running.withLock { _ = $0.remove(pid) } }
    }

    /// The services started and not stopped yet.
    private static let running = Mutex<Set<pid_t>>([])
    private static let interruptSources = Mutex<[any DispatchSourceSignal]>([])

    /// Makes SIGINT and SIGTERM stop (SIGTERM) every service the benchmark started before
    /// cc-bench exits, so an interrupted benchmark leaves no service running.
    static func stopAllOnInterrupt() {
        interruptSources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    for pid in running.withLock({ Array($0) }) { Glibc.kill(pid, SIGTERM) }
                    FileHandle.standardError.write(Data("cc-bench: interrupted; the services it started were told to stop\n".utf8))
                    exit(130)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Resident memory now and at its peak, in megabytes (10⁶ bytes), from /proc/{pid}/status.
    struct Memory {
        /// `VmRSS`.
        var resident: Double
        /// `VmHWM`: the most it has held since it started.
        var peak: Double
    }

    /// The process's memory, or nil when it is not running.
    func memory() -> Memory? {
        guard let process, process.isRunning,
            let text = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)
        else { return nil }
        func megabytes(_ field: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                let kibibytes = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap({ Double($0) })
            else { return nil }
            return kibibytes * 1024 / 1_000_000
        }
        guard let resident = megabytes("VmRSS"), let peak = megabytes("VmHWM") else { return nil }
        return Memory(resident: resident, peak: peak)
    }

    /// The CPU time the process has used so far (user and system), from /proc/{pid}/stat; nil
    /// when it is not running.
    func cpuTime() -> Duration? {
        guard let process, process.isRunning else { return nil }
        return Self.cpuTime(of: process.pid)
    }

    /// The CPU time process `pid` has used so far (user and system), from /proc/{pid}/stat;
    /// nil when there is no such process.
    static func cpuTime(of pid: pid_t) -> Duration? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds((user + system) * 1000 / Int64(max(ticks, 1)))
    }

    /// The CPU time every process on the machine has used since boot (user, nice, system, irq,
    /// softirq, steal), from /proc/stat: minus the processes a benchmark knows, what others used.
    static func machineCPUTime() -> Duration? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard fields.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal: all but idle and iowait.
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds(busy * 1000 / Int64(max(ticks, 1)))
    }

    /// The end of the service's output, for an error message.
    var logTail: String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(10).joined(separator: "\n")
    }
}
