import CMosquitto
import Foundation
import Logging
import Synchronization

/// The shared core of an ``MQTTClient``: the libmosquitto handle, its network thread,
/// and the bookkeeping that the C callbacks and the Swift callers share under one lock.
///
/// `@unchecked Sendable`: the handle is used from the network thread and from callers'
/// tasks at once, which libmosquitto allows (it locks internally); every mutable Swift
/// state is inside `state`.
final class Connection: @unchecked Sendable {
    let configuration: MQTTConfiguration
    let logger: Logger
    private var mosquitto: Mosquitto!
    private let state = Mutex(State())
    /// The network thread's wake-up and job queue; a `TaskExecutor` on that thread.
    let network = NetworkThread()

    /// What the callbacks and the callers share.
    /// A caller waiting for the connection or the publisher window.
    struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        enum Phase {
            /// `run()` has not started yet.
            case idle
            /// The first connection is being made; callers wait in `readinessWaiters`.
            case starting
            /// Connected, or between reconnect attempts after having been connected.
            case running(connected: Bool)
            /// Shut down (or the first connection failed); everything ends with this error.
            case stopped(MQTTError)
        }
        var phase = Phase.idle
        var readinessWaiters: [Waiter] = []
        var startup: CheckedContinuation<Void, any Error>?
        var subscriptions: [Int: (filters: [TopicFilter], qos: QoS, buffer: SubscriptionBuffer)] = [:]
        var nextSubscriptionID = 0
        /// Local subscriptions per filter: a filter is unsubscribed when its count drops to zero.
        var filterUsers: [TopicFilter: Int] = [:]
        var pendingSubscribes: [Int32: (filters: [TopicFilter], continuation: CheckedContinuation<Void, any Error>)] = [:]
        /// QoS 1 publishes not yet acknowledged, with the caller waiting for the PUBACK, if any.
        var unacknowledged: [Int32: CheckedContinuation<Void, any Error>?] = [:]
        var windowWaiters: [Waiter] = []
        var nextWaiterID = 0
        /// Retained messages published again after every reconnection (``MQTTClient/announce(_:payload:)``).
        var announcements: [String: [UInt8]] = [:]
        var refusal: String?
        var stopping = false
        var networkThreadExited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(configuration: MQTTConfiguration, logger: Logger) throws(MQTTError) {
        self.configuration = configuration
        self.logger = logger
        mosquitto = try Mosquitto(configuration: configuration, userdata: Unmanaged.passUnretained(self).toOpaque())
        installCallbacks()
    }

    private var handle: OpaquePointer { mosquitto.pointer }

    // MARK: Lifecycle

    /// Connects, starts the network thread and returns once the broker has accepted the
    /// connection; throws a clear ``MQTTError`` when the broker cannot be reached or refuses.
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let refusal = state.withLock { state -> MQTTError? in
                switch state.phase {
                case .idle:
                    state.phase = .starting
                    state.startup = continuation
                    return nil
                case .stopped: return .shutDown
                case .starting, .running: return .invalidConfiguration(option: "run()", reason: "the client is already running")
                }
            }
            if let refusal {
                continuation.resume(throwing: refusal)
                return
            }
            let thread = Thread { [self] in networkLoop() }
            thread.name = "mqtt-\(configuration.clientID)"
            thread.start()
        }
    }

    /// Waits (bounded) for unacknowledged publishes, disconnects cleanly (so the broker
    /// does not publish the will), stops the network thread and ends every subscription.
    func stop(drainTimeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + drainTimeout
        while ContinuousClock.now < deadline, state.withLock({ !$0.unacknowledged.isEmpty && !$0.networkThreadExited }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        // The network thread sends the DISCONNECT as it leaves its loop (see networkLoop()).
        state.withLock { $0.stopping = true }
        network.wake()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { state in
                if state.networkThreadExited || { if case .idle = state.phase { true } else { false } }() {
                    continuation.resume()
                } else {
                    state.exitWaiters.append(continuation)
                }
            }
        }
        fail(with: .shutDown)
    }

    /// Ends the client: every waiter fails with `error`, every subscription finishes.
    private func fail(with error: MQTTError) {
        let (waiters, buffers) = state.withLock { state in
            state.phase = .stopped(error)
            var waiters = (state.readinessWaiters + state.windowWaiters).map(\.continuation)
            waiters += state.pendingSubscribes.values.map(\.continuation)
            waiters += state.unacknowledged.values.compactMap { $0 }
            if let startup = state.startup { waiters.append(startup) }
            let buffers = state.subscriptions.values.map(\.buffer)
            state.readinessWaiters = []
            state.windowWaiters = []
            state.pendingSubscribes = [:]
            state.unacknowledged = [:]
            state.startup = nil
            state.subscriptions = [:]
            state.filterUsers = [:]
            return (waiters, buffers)
        }
        waiters.forEach { $0.resume(throwing: error) }
        buffers.forEach { $0.finish() }
    }

    // MARK: The network thread

    /// Runs on the client's own thread: the first connection, then read/write/keep-alive,
    /// then reconnects with a doubling back-off capped at `maxReconnectDelay`.
    private func networkLoop() {
        network.becomeCurrent()
        defer {
            network.exit()
            let waiters = state.withLock { state in
                state.networkThreadExited = true
                defer { state.exitWaiters = [] }
                return state.exitWaiters
            }
            waiters.forEach { $0.resume() }
        }
        let startedAt = ContinuousClock.now
        var code = connectToBroker()
        if code != MOSQ_ERR_SUCCESS.rawValue {
            let reason = code == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : MQTTError.text(code)
            fail(with: .connectionFailed(host: configuration.host, port: configuration.port, reason: reason))
            return
        }
        var delay = configuration.reconnectDelay
        while true {
            code = turn(timeoutMilliseconds: 1000)
            let (stopping, phase, refusal) = state.withLock { ($0.stopping, $0.phase, $0.refusal) }
            if stopping { break }
            if case .starting = phase {
                if let refusal {
                    fail(with: .connectionRefused(reason: refusal))
                    return
                }
                if code != MOSQ_ERR_SUCCESS.rawValue || ContinuousClock.now - startedAt > configuration.connectTimeout {
                    let reason = code == MOSQ_ERR_SUCCESS.rawValue ? "no answer within \(configuration.connectTimeout)" : MQTTError.text(code)
                    fail(with: .connectionFailed(host: configuration.host, port: configuration.port, reason: reason))
                    return
                }
                continue
            }
            if code == MOSQ_ERR_SUCCESS.rawValue {
                if case .running(connected: true) = phase { delay = configuration.reconnectDelay }
                continue
            }
            markDisconnected(code: code)
            pauseUnlessStopping(delay)
            delay = min(delay * 2, configuration.maxReconnectDelay)
            if state.withLock({ $0.stopping }) { break }
            let reconnect = connectToBroker()
            if reconnect != MOSQ_ERR_SUCCESS.rawValue {
                logger.warning("MQTT reconnect failed", metadata: [LogMetadataKey.error: "\(MQTTError.text(reconnect))", LogMetadataKey.retryIn: "\(delay)"])
            }
        }
        // Stopping. libmosquitto closes the socket as soon as it has written the DISCONNECT,
        // and a close with unread data in the socket (messages still arriving) resets the
        // connection: the broker then drops what it had not read yet, the DISCONNECT too, and
        // publishes the will. So the socket is kept open by a second descriptor while
        // libmosquitto writes the DISCONNECT and closes its own, and is closed after the
        // broker has closed its side (see closeGracefully). This runs outside a turn, so the
        // socket is not corked, and after everything earlier turns wrote.
        let socket = mosquitto_socket(handle)
        let kept = socket >= 0 ? dup(socket) : -1
        mosquitto_disconnect(handle)
        if mosquitto_want_write(handle) { mosquitto_loop_write(handle, 1) }
        if kept >= 0 { Self.closeGracefully(kept, within: Self.closeTimeout) }
    }

    /// Connects (or reconnects) the handle. A session that is not clean needs MQTT 5's session
    /// expiry interval on every CONNECT, which `mosquitto_reconnect` would not send again.
    private func connectToBroker() -> Int32 {
        let (host, port, keepAlive) = (configuration.host, Int32(configuration.port), Int32(configuration.keepAliveSeconds))
        guard configuration.protocolVersion == .v5, !configuration.cleanSession else {
            return mosquitto_connect(handle, host, port, keepAlive)
        }
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        let seconds = UInt32(clamping: configuration.sessionExpiry.components.seconds)
        let added = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), seconds)
        guard added == MOSQ_ERR_SUCCESS.rawValue else { return added }
        return mosquitto_connect_bind_v5(handle, host, port, keepAlive, nil, properties)
    }

    /// One turn of the network loop: wait for the socket or a wake-up, let libmosquitto read,
    /// write and keep the connection alive (the callbacks run here), then run the jobs of
    /// tasks that prefer this thread, and write what they published.
    ///
    /// The socket is corked for the turn (`TCP_CORK`): libmosquitto writes one packet per
    /// `write()`, and each of those went through the whole TCP path to the broker (on
    /// loopback, the broker's receiving too) and woke it. Corked, what one turn writes (the
    /// acknowledgements of the messages it read and what handling them published) leaves in
    /// one segment when the turn ends. Only this thread writes to the socket (publishers on
    /// other threads queue packets and wake it). What is written before the jobs run
    /// (acknowledgements, packets queued by other threads, a PINGREQ) now waits for the
    /// jobs too, which is no longer than one batch's handling.
    private func turn(timeoutMilliseconds: Int32) -> Int32 {
        let socket = mosquitto_socket(handle)
        let events = network.wait(socket: socket, wantWrite: mosquitto_want_write(handle), timeoutMilliseconds: timeoutMilliseconds)
        let corked = socket >= 0 && Self.setCork(socket, true)
        defer {
            // Not when libmosquitto closed the socket during the turn: its number may be
            // another file's by now (only this thread closes it, so the check holds).
            if corked, mosquitto_socket(handle) == socket { Self.setCork(socket, false) }
        }
        var code = socket < 0 ? Int32(MOSQ_ERR_NO_CONN.rawValue) : Int32(MOSQ_ERR_SUCCESS.rawValue)
        if code == MOSQ_ERR_SUCCESS.rawValue, events.readable {
            code = mosquitto_loop_read(handle, 1)
        }
        if code == MOSQ_ERR_SUCCESS.rawValue, mosquitto_want_write(handle) {
            code = mosquitto_loop_write(handle, 1)
        }
        if code == MOSQ_ERR_SUCCESS.rawValue {
            code = mosquitto_loop_misc(handle)
        }
        network.runDueTimers()
        network.runJobs()
        if code == MOSQ_ERR_SUCCESS.rawValue, mosquitto_want_write(handle) {
            code = mosquitto_loop_write(handle, 1)
        }
        return code
    }

    /// How long a clean stop waits for the broker to close its side after the DISCONNECT.
    private static let closeTimeout = Duration.seconds(1)

    /// Ends the sending side of `socket` (after what was written), reads and drops what
    /// arrives until the broker closes its side or `limit` passes, then closes it: with
    /// nothing unread, the close does not reset the connection.
    private static func closeGracefully(_ socket: Int32, within limit: Duration) {
        defer { close(socket) }
        guard shutdown(socket, Int32(SHUT_WR)) == 0 else { return }
        let deadline = ContinuousClock.now + limit
        withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 1) { buffer in
            while ContinuousClock.now < deadline {
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(min(60_000, max(1, ((deadline - .now) / .milliseconds(1)).rounded(.up))))
                guard poll(&descriptor, 1, milliseconds) > 0 else { return }
                guard recv(socket, buffer.baseAddress, buffer.count, 0) > 0 else { return }  // 0: the broker closed
            }
        }
    }

    /// Corks or uncorks `socket` (uncorking sends what waits); whether that worked.
    @discardableResult
    private static func setCork(_ socket: Int32, _ on: Bool) -> Bool {
        var value: Int32 = on ? 1 : 0
        return setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    private func markDisconnected(code: Int32) {
        let wasConnected = state.withLock { state -> Bool in
            guard case .running(connected: true) = state.phase else { return false }
            state.phase = .running(connected: false)
            return true
        }
        if wasConnected {
            logger.warning("MQTT connection lost; reconnecting", metadata: [LogMetadataKey.error: "\(MQTTError.text(code))"])
        }
    }

    /// The reconnect back-off: waits `delay` (or until stopped), still running queued jobs.
    private func pauseUnlessStopping(_ delay: Duration) {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end, !state.withLock({ $0.stopping }) {
            _ = network.wait(socket: -1, wantWrite: false, timeoutMilliseconds: 50)
            network.runDueTimers()
            network.runJobs()
        }
    }

    // MARK: Callbacks (network thread): copy, hand over, return

    private func installCallbacks() {
        mosquitto_connect_with_flags_callback_set(handle) { _, userdata, code, flags in
            Connection.from(userdata).didConnect(code: code, sessionPresent: flags & 1 == 1)
        }
        mosquitto_publish_v5_callback_set(handle) { _, userdata, messageID, reasonCode, _ in
            Connection.from(userdata).didAcknowledge(messageID, reasonCode: reasonCode)
        }
        mosquitto_subscribe_callback_set(handle) { _, userdata, messageID, count, granted in
            let grantedQoS = Array(UnsafeBufferPointer(start: granted, count: Int(count)))
            Connection.from(userdata).didSubscribe(messageID, granted: grantedQoS)
        }
        mosquitto_message_callback_set(handle) { _, userdata, message in
            guard let message else { return }
            let m = message.pointee
            let payload = [UInt8](UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen)))
            let delivered = MQTTMessage(
                topic: String(cString: m.topic),
                payload: payload,
                qos: m.qos == 0 ? .atMostOnce : .atLeastOnce,
                retained: m.retain
            )
            Connection.from(userdata).deliver(delivered)
        }
    }

    private static func from(_ userdata: UnsafeMutableRawPointer?) -> Connection {
        Unmanaged<Connection>.fromOpaque(userdata!).takeUnretainedValue()
    }

    private func didConnect(code: Int32, sessionPresent: Bool) {
        guard code == 0 else {
            let reason = configuration.protocolVersion == .v5
                ? String(cString: mosquitto_reason_string(code)) : String(cString: mosquitto_connack_string(code))
            logger.error("MQTT broker refused the connection", metadata: [LogMetadataKey.reason: "\(reason)"])
            state.withLock { $0.refusal = reason }
            return
        }
        // The announcements and the subscriptions go to libmosquitto in the same locked step
        // that marks the connection up: a publisher takes this lock to publish, so nothing it
        // sends can reach the broker before them (a marker published to itself, say, would
        // otherwise arrive before the SUBSCRIBE that lets it come back).
        let (startup, waiters, subscribed, failures) = state.withLock { state in
            var reconnected = false
            if case .running(connected: false) = state.phase { reconnected = true }
            var failures: [(String, Int32)] = []
            for (topic, payload) in reconnected ? state.announcements : [:] {
                let code = payload.withUnsafeBytes { bytes in
                    mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, QoS.atLeastOnce.rawValue, true)
                }
                if code != MOSQ_ERR_SUCCESS.rawValue { failures.append(("announcement on \(topic)", code)) }
            }
            var byQoS: [QoS: [TopicFilter]] = [:]
            for subscription in state.subscriptions.values {
                byQoS[subscription.qos, default: []] += subscription.filters
            }
            for (qos, filters) in byQoS {
                var messageID: Int32 = 0
                let unique = Array(Set(filters))
                let code = unique.withCStringArray { array in
                    mosquitto_subscribe_multiple(handle, &messageID, Int32(unique.count), array, qos.rawValue, 0, nil)
                }
                if code != MOSQ_ERR_SUCCESS.rawValue { failures.append(("subscribe", code)) }
            }
            state.phase = .running(connected: true)
            let startup = state.startup
            let waiters = state.readinessWaiters.map(\.continuation)
            state.startup = nil
            state.readinessWaiters = []
            return (startup, waiters, byQoS, failures)
        }
        network.wake()
        for (what, code) in failures {
            logger.error("MQTT request failed after connecting", metadata: ["mqtt.request": "\(what)", LogMetadataKey.error: "\(MQTTError.text(code))"])
        }
        logger.info("MQTT connected", metadata: [
            LogMetadataKey.broker: "\(configuration.host):\(configuration.port)",
            LogMetadataKey.sessionPresent: "\(sessionPresent)",
            LogMetadataKey.resubscribed: "\(subscribed.values.reduce(0) { $0 + $1.count })",
        ])
        startup?.resume()
        waiters.forEach { $0.resume() }
    }

    /// A PUBACK (or, for QoS 0, the packet written). MQTT 5 brokers give a reason code:
    /// 0x80 and above means the broker refused the message (an ACL, a quota).
    private func didAcknowledge(_ messageID: Int32, reasonCode: Int32) {
        let (waiter, windowWaiter) = state.withLock { state in
            guard let entry = state.unacknowledged.removeValue(forKey: messageID) else {
                return (nil as CheckedContinuation<Void, any Error>?, nil as CheckedContinuation<Void, any Error>?)
            }
            let windowWaiter = state.windowWaiters.isEmpty ? nil : state.windowWaiters.removeFirst().continuation
            return (entry, windowWaiter)
        }
        if reasonCode >= 0x80 {
            waiter?.resume(throwing: MQTTError.publishRefused(reason: String(cString: mosquitto_reason_string(reasonCode))))
        } else {
            waiter?.resume()
        }
        windowWaiter?.resume()
    }

    private func didSubscribe(_ messageID: Int32, granted: [Int32]) {
        guard let pending = state.withLock({ $0.pendingSubscribes.removeValue(forKey: messageID) }) else { return }
        if let refused = zip(pending.filters, granted).first(where: { $0.1 >= 0x80 }) {
            pending.continuation.resume(throwing: MQTTError.subscriptionRefused(filter: refused.0.rawValue))
        } else {
            pending.continuation.resume()
        }
    }

    private func deliver(_ message: MQTTMessage) {
        let levels = message.topic.split(separator: "/", omittingEmptySubsequences: false)
        state.withLock { state in
            for subscription in state.subscriptions.values
            where subscription.filters.contains(where: { $0.matches(levels: levels, topic: message.topic) }) {
                subscription.buffer.append(message)
            }
        }
    }

    // MARK: Operations (callers' tasks)

    /// Publishes a retained announcement now and again after every reconnection.
    func announce(_ topic: String, payload: [UInt8]) async throws {
        try MQTTClient.validatePublishTopic(topic)
        state.withLock { $0.announcements[topic] = payload }
        try await publish(topic, payload: payload, qos: .atLeastOnce, retain: true, waitForAcknowledgement: true)
    }

    /// Returns once the first connection is up — or, with `connected`, once the client is
    /// connected now (during an outage: when it has reconnected); throws if the client has stopped.
    func waitUntilReady(connected: Bool = false) async throws {
        let ready = state.withLock { state in
            switch state.phase {
            case .running(let isConnected): !connected || isConnected
            case .idle, .starting, .stopped: false
            }
        }
        if ready { return }
        try await wait(in: .readiness) { state in
            switch state.phase {
            case .running(let isConnected) where !connected || isConnected: .success(())
            case .stopped(let error): .failure(error)
            case .idle, .starting, .running: nil
            }
        }
    }

    /// Where a caller waits: for the connection, or for room in the publisher window.
    private enum WaitQueue {
        case readiness
        case window
    }

    /// Waits in `queue` unless `settle` decides at once (nil: wait). Cancelling the waiting
    /// task ends the wait with `CancellationError`, so a service told to stop during a broker
    /// outage is not held by a publish that waits for a reconnection.
    private func wait(in queue: WaitQueue, settle: (State) -> Result<Void, any Error>?) async throws {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let settled: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let settled = settle(state) { return settled }
                    switch queue {
                    case .readiness: state.readinessWaiters.append(Waiter(id: id, continuation: continuation))
                    case .window: state.windowWaiters.append(Waiter(id: id, continuation: continuation))
                    }
                    return nil
                }
                if let settled { continuation.resume(with: settled) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                switch queue {
                case .readiness:
                    state.readinessWaiters.firstIndex { $0.id == id }.map { state.readinessWaiters.remove(at: $0) }
                case .window:
                    state.windowWaiters.firstIndex { $0.id == id }.map { state.windowWaiters.remove(at: $0) }
                }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func publish(_ topic: String, payload: [UInt8], qos: QoS, retain: Bool, waitForAcknowledgement: Bool) async throws {
        try MQTTClient.validatePublishTopic(topic)
        if qos == .atMostOnce {
            try await waitUntilReady()
            try sendPublish(topic, payload: payload, qos: qos, retain: retain) { _, _ in }
            return
        }
        try await waitForWindow()
        // libmosquitto refuses to queue while disconnected: a QoS 1 publish waits for the
        // reconnection (and tries again if the connection drops in between).
        while true {
            do {
                try await waitUntilReady(connected: true)
                try await sendQoS1(topic, payload: payload, retain: retain, waitForAcknowledgement: waitForAcknowledgement)
                return
            } catch MQTTError.notConnected {
                continue
            }
        }
    }

    private func sendQoS1(_ topic: String, payload: [UInt8], retain: Bool, waitForAcknowledgement: Bool) async throws {
        let qos = QoS.atLeastOnce
        if waitForAcknowledgement {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                do {
                    try sendPublish(topic, payload: payload, qos: qos, retain: retain) { $0.unacknowledged[$1] = continuation }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } else {
            try sendPublish(topic, payload: payload, qos: qos, retain: retain) { $0.unacknowledged[$1] = .some(nil) }
        }
    }

    /// Hands the packet to libmosquitto and records its message id under the same lock,
    /// so the PUBACK callback (which takes that lock) always finds the record.
    private func sendPublish(
        _ topic: String, payload: [UInt8], qos: QoS, retain: Bool, record: (inout State, Int32) -> Void
    ) throws(MQTTError) {
        guard payload.count <= 268_435_455 - topic.utf8.count - 8 else { throw .payloadTooLarge(payload.count) }
        let failure: MQTTError? = state.withLock { state in
            if case .stopped(let error) = state.phase { return error }
            var messageID: Int32 = 0
            let code = payload.withUnsafeBytes { bytes in
                mosquitto_publish(handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, qos.rawValue, retain)
            }
            if code == MOSQ_ERR_SUCCESS.rawValue { record(&state, messageID) }
            return MQTTError(code: code)
        }
        if let failure { throw failure }
        network.wake()
    }

    /// The publisher window: waits while `maxInflightMessages` QoS 1 publishes are unacknowledged.
    private func waitForWindow() async throws {
        let limit = configuration.maxInflightMessages
        while state.withLock({ $0.unacknowledged.count >= limit }) {
            try await wait(in: .window) { state in
                if case .stopped(let error) = state.phase { return .failure(error) }
                return state.unacknowledged.count < limit ? .success(()) : nil
            }
        }
    }

    func subscribe(_ filters: [TopicFilter], qos: QoS) async throws -> MQTTSubscription {
        precondition(!filters.isEmpty, "subscribe needs at least one filter")
        try await waitUntilReady()
        let buffer = SubscriptionBuffer(timers: network)
        let id = register(filters, qos: qos, into: buffer)
        let lease = SubscriptionLease { [weak self] in self?.unsubscribe(id) }
        do {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                sendSubscribe(filters, qos: qos, waiter: waiter)
            }
        } catch {
            unsubscribe(id)
            throw error
        }
        return MQTTSubscription(filters: filters, buffer: buffer, lease: lease)
    }

    /// Registers a subscription at once and sends its SUBSCRIBE when connected; otherwise
    /// connecting sends it. Registered before `run()`, it receives what the broker delivers
    /// right after connecting, before any SUBSCRIBE: the messages a persistent session kept.
    func subscribeOnConnect(_ groups: [(filters: [TopicFilter], qos: QoS)]) -> MQTTSubscription {
        let filters = groups.flatMap(\.filters)
        precondition(!filters.isEmpty, "subscribe needs at least one filter")
        precondition(Set(filters).count == filters.count, "a filter may be in one group only")
        // One buffer for every group: the messages keep the order the broker sent them in.
        let buffer = SubscriptionBuffer(timers: network)
        var ids: [Int] = []
        for group in groups where !group.filters.isEmpty {
            ids.append(register(group.filters, qos: group.qos, into: buffer))
            sendSubscribe(group.filters, qos: group.qos)
        }
        let lease = SubscriptionLease { [weak self, ids] in
            for id in ids { self?.unsubscribe(id, keepingSession: true) }
        }
        return MQTTSubscription(filters: filters, buffer: buffer, lease: lease)
    }

    /// Adds a subscription delivering into `buffer`; returns its id for `unsubscribe`.
    private func register(_ filters: [TopicFilter], qos: QoS, into buffer: SubscriptionBuffer) -> Int {
        state.withLock { state in
            let id = state.nextSubscriptionID
            state.nextSubscriptionID += 1
            state.subscriptions[id] = (filters, qos, buffer)
            for filter in Set(filters) { state.filterUsers[filter, default: 0] += 1 }
            return id
        }
    }

    /// Sends one SUBSCRIBE for `filters`; the SUBACK resumes `waiter`. When not connected
    /// the subscription is made on the next connect and the waiter resumes at once.
    private func sendSubscribe(_ filters: [TopicFilter], qos: QoS, waiter: CheckedContinuation<Void, any Error>? = nil) {
        let code: Int32 = state.withLock { state in
            var messageID: Int32 = 0
            let code = filters.withCStringArray { array in
                mosquitto_subscribe_multiple(handle, &messageID, Int32(filters.count), array, qos.rawValue, 0, nil)
            }
            if code == MOSQ_ERR_SUCCESS.rawValue, let waiter {
                state.pendingSubscribes[messageID] = (filters, waiter)
            }
            return code
        }
        guard code != MOSQ_ERR_SUCCESS.rawValue else {
            network.wake()
            return
        }
        if code == MOSQ_ERR_NO_CONN.rawValue {
            waiter?.resume()
        } else {
            logger.error("MQTT subscribe failed", metadata: [LogMetadataKey.error: "\(MQTTError.text(code))"])
            waiter?.resume(throwing: MQTTError(code: code)!)
        }
    }

    /// Ends subscription `id` locally and, unless it is to stay in the broker's session,
    /// unsubscribes the filters no other subscription uses.
    private func unsubscribe(_ id: Int, keepingSession: Bool = false) {
        let unused: [TopicFilter] = state.withLock { state in
            guard let subscription = state.subscriptions.removeValue(forKey: id) else { return [] }
            subscription.buffer.finish()
            var unused: [TopicFilter] = []
            for filter in Set(subscription.filters) {
                let users = (state.filterUsers[filter] ?? 1) - 1
                state.filterUsers[filter] = users == 0 ? nil : users
                if users == 0 { unused.append(filter) }
            }
            return unused
        }
        guard !unused.isEmpty, !keepingSession else { return }
        _ = unused.withCStringArray { array in
            var messageID: Int32 = 0
            return mosquitto_unsubscribe_multiple(handle, &messageID, Int32(unused.count), array, nil)
        }
        network.wake()
    }
}
