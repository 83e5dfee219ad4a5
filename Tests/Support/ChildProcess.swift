public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests (a broker, a service executable), started with `posix_spawn`
/// with the default signal mask and dispositions, and output to a log file.
///
/// Not Foundation's `Process`: it spawns children with the spawning thread's signal mask,
/// and Swift's worker threads block SIGTERM, so the child would ignore a graceful stop.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Where standard output and standard error go (appended).
    public let logFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?
    /// Held while a child is spawned and while ``makePipe()`` makes a pipe, so that no child
    /// inherits a pipe end in the moment before it is marked close-on-exec.
    private static let spawning = NSLock()

    /// A pipe whose ends are closed on exec: no other child keeps them open. Hand an end to
    /// a child with `fileDescriptors`. (Glibc's `pipe2` is not visible from Swift.)
    public static func makePipe() throws -> (read: Int32, write: Int32) {
        try spawning.withLock {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else {
                throw BrokerError.notReady("pipe(): \(String(cString: strerror(errno)))")
            }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }
    }

    /// `fileDescriptors` hands the child more descriptors than standard input, output and
    /// error: child descriptor number → the parent's descriptor it gets (a pipe end, say).
    /// The parent's descriptors stay open in the parent; close them there once spawned.
    public init(
        executable: String, arguments: [String], logFile: URL, environment: [String: String]? = nil,
        fileDescriptors: [Int32: Int32] = [:]
    ) throws {
        self.logFile = logFile
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&files, 1, logFile.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&files, 1, 2)
        // Each source is first copied above every target (close-on-exec, so the copy does not
        // reach the child), so that one mapping cannot overwrite the source of another.
        var copies: [Int32] = []
        defer { copies.forEach { close($0) } }
        let lowest = max(10, (fileDescriptors.keys.max() ?? 0) + 1)
        for (target, source) in fileDescriptors.sorted(by: { $0.key < $1.key }) {
            let copy = fcntl(source, F_DUPFD_CLOEXEC, lowest)
            guard copy >= 0 else {
                throw BrokerError.notReady("cannot pass descriptor \(source) to \(executable): \(String(cString: strerror(errno)))")
            }
            copies.append(copy)
            posix_spawn_file_actions_adddup2(&files, copy, target)
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment)
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environmentStrings.forEach { free($0) } }
        var pid: pid_t = 0
        let result = Self.spawning.withLock {
            posix_spawn(&pid, executable, &files, &attributes, argv, environmentStrings)
        }
        guard result == 0 else {
            throw BrokerError.notReady("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    deinit {
        signalAndWait(SIGKILL)
    }

    /// Whether the process is still running (reaps it when it has exited).
    public var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result == -1 && errno == ECHILD) {
                exitStatus = status
                return false
            }
            return true
        }
    }

    /// The raw wait status once the process has exited.
    public var status: Int32? {
        _ = isRunning
        return lock.withLock { exitStatus }
    }

    /// The exit code, once the process has exited normally (not by a signal).
    public var exitCode: Int32? {
        guard let status, status & 0x7F == 0 else { return nil }
        return (status >> 8) & 0xFF
    }

    /// Sends `signal` and waits (up to `timeout`) until the process has exited;
    /// after a graceful signal that is not obeyed in time, SIGKILL.
    public func signalAndWait(_ signal: Int32, timeout: TimeInterval = 10) {
        guard isRunning else { return }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline {
                if signal == SIGKILL { return }
                kill(pid, SIGKILL)
                return signalAndWait(SIGKILL, timeout: timeout)
            }
            usleep(2_000)
        }
    }

    /// The log so far.
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}
