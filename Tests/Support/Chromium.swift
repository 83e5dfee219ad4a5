public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A headless Chromium for tests that look at a web page, driven over the DevTools protocol
/// through `--remote-debugging-pipe`: JSON commands, each ended by a NUL byte, go to the
/// browser's descriptor 3; responses and events, NUL-ended too, come back on its
/// descriptor 4. No WebSocket, no port.
///
/// One tab: ``open(_:)`` loads a page in it, ``evaluate(_:)``, ``waitUntil(_:timeout:)`` and
/// ``screenshot(to:)`` work on it. Every command has a time limit (``commandTimeout``) and
/// fails with a ``ChromiumError`` instead of hanging. ``close()`` (or deinit) ends the
/// browser and removes its temporary profile.
public final class Chromium: @unchecked Sendable {
    /// Where the browser's standard output and error go.
    public let logFile: URL
    /// The time limit of each protocol command (and of a page load).
    public let commandTimeout: Duration
    private let process: ChildProcess
    private let profile: URL
    private let connection: DevToolsPipe
    private let lock = NSLock()
    private var sessionID: String?
    private var closed = false

    /// The flags of every launch. `--no-sandbox`: the tests run as root, where Chromium's
    /// sandbox refuses to start; `--disable-dev-shm-usage`: a container's /dev/shm is small.
    static let flags = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--no-default-browser-check", "--remote-debugging-pipe", "--window-size=1600,1000",
        "--hide-scrollbars", "--mute-audio",
    ]

    private init(process: ChildProcess, profile: URL, connection: DevToolsPipe, logFile: URL, commandTimeout: Duration) {
        self.process = process
        self.profile = profile
        self.connection = connection
        self.logFile = logFile
        self.commandTimeout = commandTimeout
    }

    deinit {
        close()
    }

    /// Starts a headless Chromium with a fresh profile in a temporary folder. Throws
    /// ``ChromiumError/notInstalled`` when there is no browser (`$CHROMIUM` names another one).
    public static func launch(logFile: URL, commandTimeout: Duration = .seconds(30)) throws -> Chromium {
        let executable = try executablePath()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("cc-test-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var descriptors: [Int32] = []
        do {
            // commands: the browser reads (its 3), we write; replies: it writes (its 4), we read.
            let commands = try ChildProcess.makePipe()
            descriptors += [commands.read, commands.write]
            let replies = try ChildProcess.makePipe()
            descriptors += [replies.read, replies.write]
            let process = try ChildProcess(
                executable: executable, arguments: flags + ["--user-data-dir=\(profile.path)"],
                logFile: logFile, fileDescriptors: [3: commands.read, 4: replies.write])
            // The child has its copies; with ours closed, the browser's end of a pipe is its only one.
            Glibc.close(commands.read)
            Glibc.close(replies.write)
            let connection = DevToolsPipe(writing: commands.write, reading: replies.read) {
                Self.tail(of: logFile)
            }
            return Chromium(
                process: process, profile: profile, connection: connection, logFile: logFile,
                commandTimeout: commandTimeout)
        } catch {
            descriptors.forEach { Glibc.close($0) }
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
    }

    /// Loads `url` in the tab (made and attached to on the first call) and returns once the
    /// page's load event has fired.
    public func open(_ url: String) async throws {
        let session = try await tabSession()
        let loaded = try connection.expect(event: "Page.loadEventFired", session: session)
        let navigation: [String: Any]
        do {
            navigation = try await command("Page.navigate", ["url": url], session: session)
        } catch {
            connection.forget(loaded)
            throw error
        }
        if let failure = navigation["errorText"] as? String, !failure.isEmpty {
            connection.forget(loaded)
            throw ChromiumError.commandFailed(method: "Page.navigate \(url)", message: failure)
        }
        _ = try await connection.wait(for: loaded, what: "the load of \(url)", timeout: commandTimeout)
    }

    /// Evaluates `expression` in the page (a promise is awaited) and returns its value as
    /// JSON decodes it: `String`, `Bool`, a number (`as? Int`, `as? Double`), `[Any]`,
    /// `[String: Any]`, or nil for null and undefined. DOM nodes come back as empty objects.
    /// An exception thrown by the expression is a ``ChromiumError/exception(_:)``.
    @discardableResult
    public func evaluate(_ expression: String) async throws -> Any? {
        try await evaluateRemotely(expression).value
    }

    /// ``evaluate(_:)`` with the value cast to `T`; a value of another type is an error that
    /// shows it.
    public func evaluate<T>(_ expression: String, as type: T.Type) async throws -> T {
        let value = try await evaluate(expression)
        guard let typed = value as? T else {
            throw ChromiumError.unexpected("\(expression) gave \(Self.describe(value)), not a \(T.self)")
        }
        return typed
    }

    /// Evaluates the boolean `expression` every 50 ms until it is `true`. On timeout the
    /// error shows the last value (or exception) and the page's text.
    public func waitUntil(_ expression: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no value yet"
        while true {
            do {
                let result = try await evaluateRemotely(expression)
                if result.type == "boolean" {
                    if result.value as? Bool == true { return }
                    last = "false"
                } else {
                    last = Self.describe(result.value)
                }
            } catch let ChromiumError.exception(message) {
                last = "an exception: \(message)"
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? await evaluate("document.body ? document.body.innerText : ''") as? String) ?? "(unknown)"
        throw ChromiumError.conditionNotMet(
            "\(expression) was not true within \(timeout); the last value was \(last); the page shows:\n\(text.prefix(4000))")
    }

    /// Writes a PNG of the tab to `file`: what the window shows, or with `fullPage` the whole page.
    public func screenshot(to file: URL, fullPage: Bool = false) async throws {
        let session = try await tabSession()
        var parameters: [String: Any] = ["format": "png"]
        if fullPage {
            let metrics = try await command("Page.getLayoutMetrics", session: session)
            let size = metrics["cssContentSize"] as? [String: Any] ?? [:]
            let width = size["width"] as? Double ?? 1600, height = size["height"] as? Double ?? 1000
            parameters["captureBeyondViewport"] = true
            parameters["clip"] = ["x": 0, "y": 0, "width": width, "height": height, "scale": 1] as [String: Any]
        }
        let reply = try await command("Page.captureScreenshot", parameters, session: session)
        guard let encoded = reply["data"] as? String, let png = Data(base64Encoded: encoded) else {
            throw ChromiumError.unexpected("Page.captureScreenshot gave no PNG")
        }
        try png.write(to: file)
    }

    /// Ends the browser (closing its command pipe makes it quit; after 5 s it is killed) and
    /// removes its profile. Safe to call twice.
    public func close() {
        let first = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        connection.stop()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        process.signalAndWait(SIGKILL)
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: - Protocol

    private func command(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil) async throws -> [String: Any] {
        try await connection.command(method, parameters, session: session, timeout: commandTimeout)
    }

    /// The session of the tab, made and attached to (flat mode: commands name the session)
    /// on first use.
    private func tabSession() async throws -> String {
        if let session = lock.withLock({ sessionID }) { return session }
        let target = try await command("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"] as? String else {
            throw ChromiumError.unexpected("Target.createTarget gave no targetId")
        }
        let attached = try await command("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let session = attached["sessionId"] as? String else {
            throw ChromiumError.unexpected("Target.attachToTarget gave no sessionId")
        }
        _ = try await command("Page.enable", session: session)
        lock.withLock { sessionID = session }
        return session
    }

    private func evaluateRemotely(_ expression: String) async throws -> (type: String, value: Any?) {
        let session = try await tabSession()
        let reply = try await command(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true], session: session)
        if let details = reply["exceptionDetails"] as? [String: Any] {
            let exception = details["exception"] as? [String: Any]
            let message = exception?["description"] ?? exception?["value"] ?? details["text"] ?? "an exception"
            throw ChromiumError.exception("\(expression.prefix(300)) threw \(message)")
        }
        let result = reply["result"] as? [String: Any] ?? [:]
        let type = result["type"] as? String ?? "undefined"
        if let special = result["unserializableValue"] as? String { // NaN, Infinity, -0, 12n
            return (type, Double(special) ?? special)
        }
        let value = result["value"]
        return (type, value is NSNull ? nil : value)
    }

    // MARK: - Helpers

    private static func executablePath() throws -> String {
        // The binary itself rather than Debian's /usr/bin/chromium wrapper script, which adds
        // flags of its own (extensions, GPU rasterisation) from /etc/chromium.d.
        var candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"]
        if let chosen = ProcessInfo.processInfo.environment["CHROMIUM"], !chosen.isEmpty { candidates.insert(chosen, at: 0) }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ChromiumError.notInstalled
        }
        return path
    }

    private static func tail(of logFile: URL) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    static func describe(_ value: Any?) -> String {
        guard let value else { return "null or undefined" }
        if let text = value as? String { return "\"\(text)\"" }
        if JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

/// What went wrong with the browser or the page.
public enum ChromiumError: Error, CustomStringConvertible {
    case notInstalled
    /// The browser exited or its pipe broke; with the end of its log.
    case browserGone(String)
    case timedOut(String)
    /// The browser refused a command.
    case commandFailed(method: String, message: String)
    /// The evaluated JavaScript threw.
    case exception(String)
    case conditionNotMet(String)
    case unexpected(String)

    public var description: String {
        switch self {
        case .notInstalled: "Chromium is not installed: apt-get install chromium (scripts/test installs it)"
        case .browserGone(let detail): "Chromium is gone: \(detail)"
        case .timedOut(let what): "Chromium: no answer to \(what)"
        case .commandFailed(let method, let message): "Chromium refused \(method): \(message)"
        case .exception(let message): "JavaScript: \(message)"
        case .conditionNotMet(let message): message
        case .unexpected(let message): "Chromium: \(message)"
        }
    }
}

/// A message from the browser: the object JSONSerialization made of it, which nothing changes.
struct ProtocolMessage: @unchecked Sendable {
    let object: [String: Any]
}

/// The test's end of the two pipes. One thread of its own (not the Swift cooperative pool)
/// writes the queued commands and reads what comes back (`poll`), resumes the caller waiting
/// for each response (matched by `id`) or event, and fails what is overdue.
private final class DevToolsPipe: @unchecked Sendable {
    private enum Expectation {
        case response(id: Int)
        case event(String, in: String?)
    }

    /// A response or event someone waits for; it may arrive before they start to wait.
    private struct Slot {
        let expectation: Expectation
        var arrived: Result<ProtocolMessage, any Error>?
        var waiter: (continuation: CheckedContinuation<ProtocolMessage, any Error>, deadline: ContinuousClock.Instant, what: String)?
    }

    private let writing: Int32
    private let reading: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let logTail: @Sendable () -> String
    private let lock = NSLock()
    private var slots: [Int: Slot] = [:]
    private var lastSlot = 0
    private var outbox: [UInt8] = []
    private var ended: ChromiumError?
    private var stopping = false

    init(writing: Int32, reading: Int32, logTail: @escaping @Sendable () -> String) {
        self.writing = writing
        self.reading = reading
        self.logTail = logTail
        // A pipe to itself, which ends the thread's poll when there is something to write.
        let wake = (try? ChildProcess.makePipe()) ?? (-1, -1)
        (wakeRead, wakeWrite) = wake
        _ = fcntl(wakeRead, F_SETFL, O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, O_NONBLOCK)
        _ = fcntl(writing, F_SETFL, O_NONBLOCK)
        let thread = Thread { [self] in run() }
        thread.name = "chromium-devtools-pipe"
        thread.start()
    }

    deinit {
        // The thread has ended (it holds self while it runs), so nobody uses these any more.
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Sends a command and returns its `result`, or throws its `error`.
    func command(_ method: String, _ parameters: [String: Any], session: String?, timeout: Duration) async throws -> [String: Any] {
        let slot = try lock.withLock { () throws -> Int in
            if let ended { throw ended }
            lastSlot += 1
            var message: [String: Any] = ["id": lastSlot, "method": method, "params": parameters]
            if let session { message["sessionId"] = session }
            outbox += try JSONSerialization.data(withJSONObject: message)
            outbox.append(0)
            slots[lastSlot] = Slot(expectation: .response(id: lastSlot))
            return lastSlot
        }
        wake()
        let reply = try await wait(for: slot, what: method, timeout: timeout).object
        if let error = reply["error"] as? [String: Any] {
            throw ChromiumError.commandFailed(method: method, message: error["message"] as? String ?? "\(error)")
        }
        return reply["result"] as? [String: Any] ?? [:]
    }

    /// Starts to collect the next `method` event of `session`, before the command that causes it.
    func expect(event method: String, session: String?) throws -> Int {
        try lock.withLock {
            if let ended { throw ended }
            lastSlot += 1
            slots[lastSlot] = Slot(expectation: .event(method, in: session))
            return lastSlot
        }
    }

    /// Stops collecting for a slot nobody will wait for.
    func forget(_ slot: Int) {
        lock.withLock { _ = slots.removeValue(forKey: slot) }
    }

    /// The message of `slot`, once it has arrived, within `timeout`.
    func wait(for slot: Int, what: String, timeout: Duration) async throws -> ProtocolMessage {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                guard var waiting = slots[slot] else {
                    return continuation.resume(throwing: ChromiumError.unexpected("nothing expected for \(what)"))
                }
                if let arrived = waiting.arrived {
                    slots[slot] = nil
                    return continuation.resume(with: arrived)
                }
                waiting.waiter = (continuation, .now + timeout, "\(what) within \(timeout)")
                slots[slot] = waiting
            }
            wake() // the thread's next poll must end by this deadline
        }
    }

    /// Fails whatever is waiting and lets the thread close the pipes, which makes the browser quit.
    func stop() {
        lock.withLock { stopping = true }
        end(.browserGone("closed by the test"))
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The thread

    private func run() {
        // A write to a browser that has gone raises SIGPIPE in the writing thread: block it
        // here (the write then fails with EPIPE; the pending signal dies with the thread).
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        defer {
            Glibc.close(writing)
            Glibc.close(reading)
        }
        var received: [UInt8] = []
        var scanned = 0 // bytes of `received` known to hold no NUL
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let (stop, hasOutput, timeout) = lock.withLock { (stopping, !outbox.isEmpty, pollTimeout()) }
            if stop { return }
            var descriptors = [
                pollfd(fd: reading, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                pollfd(fd: writing, events: hasOutput ? Int16(POLLOUT) : 0, revents: 0),
            ]
            if poll(&descriptors, nfds_t(descriptors.count), timeout) < 0, errno != EINTR {
                return end(.browserGone("poll(): \(String(cString: strerror(errno)))"))
            }
            if descriptors[1].revents != 0 {
                while read(wakeRead, &buffer, buffer.count) > 0 {}
            }
            let commandPipe = descriptors[2].revents
            if commandPipe & Int16(POLLERR | POLLHUP) != 0 || (commandPipe & Int16(POLLOUT) != 0 && !flush()) {
                return end(.browserGone("its command pipe is closed\n\(logTail())"))
            }
            if descriptors[0].revents != 0 {
                let count = read(reading, &buffer, buffer.count)
                if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) {
                    return end(.browserGone("it exited\n\(logTail())"))
                }
                if count > 0 {
                    received += buffer[..<count]
                    while let nul = received[scanned...].firstIndex(of: 0) {
                        deliver(received[..<nul])
                        received.removeSubrange(...nul)
                        scanned = 0
                    }
                    scanned = received.count
                }
            }
            expireOverdue()
        }
    }

    /// Milliseconds until the nearest deadline (at most one second); called with the lock held.
    private func pollTimeout() -> Int32 {
        let now = ContinuousClock.now
        var timeout = Duration.seconds(1)
        for slot in slots.values {
            if let waiter = slot.waiter { timeout = min(timeout, max(.zero, waiter.deadline - now)) }
        }
        return Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000) + 1
    }

    /// Writes what the pipe takes now; false once the browser's end is closed.
    private func flush() -> Bool {
        lock.withLock {
            let written = outbox.withUnsafeBytes { write(writing, $0.baseAddress, $0.count) }
            if written > 0 {
                outbox.removeFirst(written)
            } else if written < 0, errno != EAGAIN, errno != EINTR {
                return false
            }
            return true
        }
    }

    private func deliver(_ bytes: ArraySlice<UInt8>) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return }
        let message = ProtocolMessage(object: object)
        lock.withLock {
            let key: Int?
            if let id = object["id"] as? Int {
                key = slots[id] == nil ? nil : id
            } else if let method = object["method"] as? String {
                let session = object["sessionId"] as? String
                key = slots.filter { entry in
                    guard entry.value.arrived == nil, case let .event(expected, in: expectedSession) = entry.value.expectation
                    else { return false }
                    return expected == method && expectedSession == session
                }.keys.min()
            } else {
                key = nil
            }
            guard let key, var slot = slots[key] else { return }
            if let waiter = slot.waiter {
                slots[key] = nil
                waiter.continuation.resume(returning: message)
            } else {
                slot.arrived = .success(message)
                slots[key] = slot
            }
        }
    }

    private func expireOverdue() {
        let now = ContinuousClock.now
        lock.withLock {
            for (key, slot) in slots {
                guard let waiter = slot.waiter, waiter.deadline <= now else { continue }
                slots[key] = nil
                waiter.continuation.resume(throwing: ChromiumError.timedOut(waiter.what))
            }
        }
    }

    /// From now on every call fails with `error`; so does everything waiting.
    private func end(_ error: ChromiumError) {
        lock.withLock {
            if ended == nil { ended = error }
            for (key, slot) in slots {
                if let waiter = slot.waiter {
                    slots[key] = nil
                    waiter.continuation.resume(throwing: ended ?? error)
                } else {
                    slots[key]?.arrived = .failure(ended ?? error)
                }
            }
        }
    }
}
