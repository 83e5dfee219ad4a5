import CMosquitto
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The thread that does all of a client's socket I/O, and a `TaskExecutor` on it.
///
/// The loop (``Connection``) waits in `poll()` on the MQTT socket and a wake-up pipe, lets
/// libmosquitto read and write, then runs the jobs queued on this executor. A task that
/// prefers this executor (``MQTTClient/networkExecutor``) resumes right after the callback
/// that fed its subscription and publishes without waking another thread: no thread hop on
/// the way in or out.
final class NetworkThread: TaskExecutor, @unchecked Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var owner: pthread_t?
        var wakePending = false
        var exited = false
        /// Actions to run on this thread at a time, soonest first.
        var timers: [Timer] = []
        var nextTimerID = 0
    }

    private struct Timer {
        var id: Int
        var deadline: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    private let queue = Mutex(Queue())
    /// A pipe whose read end is polled beside the socket: a byte in it ends the wait.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        let created = pipe(&fds) == 0
        precondition(created, "pipe() failed: \(String(cString: strerror(errno)))")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Called first thing on the network thread.
    func becomeCurrent() {
        queue.withLock { $0.owner = pthread_self() }
    }

    /// Whether the caller runs on the network thread.
    var isCurrent: Bool {
        queue.withLock { queue in queue.owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (forward, wake) = queue.withLock { queue -> (Bool, Bool) in
            if queue.exited { return (true, false) }
            queue.jobs.append(job)
            return (false, markWake(&queue))
        }
        if forward {
            // The loop has ended (the client shut down): run what is left on the global executor.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        } else if wake {
            signal()
        }
    }

    /// Ends `poll()` on the network thread, unless the caller is that thread (it polls again
    /// only after it has done what was asked).
    func wake() {
        if queue.withLock({ markWake(&$0) }) { signal() }
    }

    private func markWake(_ queue: inout Queue) -> Bool {
        if queue.wakePending { return false }
        if let owner = queue.owner, pthread_equal(owner, pthread_self()) != 0 { return false }
        queue.wakePending = true
        return true
    }

    private func signal() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: Timers

    /// Runs `action` on this thread once `delay` has passed (the loop's `poll()` waits no
    /// longer than the soonest timer), unless ``cancelTimer(_:)`` comes first. No other thread
    /// and no task are involved: a consumer's wait with a time limit costs nothing when a
    /// message ends it. Returns nil once the loop has ended (the caller times out otherwise).
    func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> Int? {
        let deadline = ContinuousClock.now + delay
        let (id, wake) = queue.withLock { queue -> (Int?, Bool) in
            if queue.exited { return (nil, false) }
            queue.nextTimerID += 1
            let index = queue.timers.firstIndex { $0.deadline > deadline } ?? queue.timers.endIndex
            queue.timers.insert(Timer(id: queue.nextTimerID, deadline: deadline, action: action), at: index)
            // A thread other than this one may find it in a longer poll: end it.
            return (queue.nextTimerID, index == 0 && markWake(&queue))
        }
        if wake { signal() }
        return id
    }

    /// Drops the timer `id` if it has not run yet.
    func cancelTimer(_ id: Int) {
        queue.withLock { queue in queue.timers.removeAll { $0.id == id } }
    }

    /// Runs the timers that are due.
    func runDueTimers() {
        let now = ContinuousClock.now
        let due = queue.withLock { queue -> [Timer] in
            guard let first = queue.timers.first, first.deadline <= now else { return [] }
            let count = queue.timers.firstIndex { $0.deadline > now } ?? queue.timers.endIndex
            defer { queue.timers.removeFirst(count) }
            return Array(queue.timers.prefix(count))
        }
        for timer in due { timer.action() }
    }

    /// What `wait` found ready.
    struct Events {
        var readable = false
        var writable = false
    }

    /// Waits until the socket (if any, `-1` for none) is readable (or writable, when
    /// `wantWrite`), a wake-up arrives, or the time-out passes; no wait when jobs are queued.
    func wait(socket: Int32, wantWrite: Bool, timeoutMilliseconds: Int32) -> Events {
        let timeout = queue.withLock { queue -> Int32 in
            guard queue.jobs.isEmpty else { return 0 }
            guard let soonest = queue.timers.first?.deadline else { return timeoutMilliseconds }
            // Rounded up, so that the timer is due when the poll ends.
            let (seconds, attoseconds) = max(.zero, soonest - .now).components
            let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            return Int32(min(Int64(timeoutMilliseconds), milliseconds))
        }
        // Called for every message: the poll set and the drain buffer live on the stack.
        var wakeFD = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        var socketFD = pollfd(fd: socket, events: Int16(POLLIN) | (wantWrite ? Int16(POLLOUT) : 0), revents: 0)
        let ready = withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { fds in
            fds[0] = wakeFD
            fds[1] = socketFD
            defer { (wakeFD, socketFD) = (fds[0], fds[1]) }
            return poll(fds.baseAddress, socket >= 0 ? 2 : 1, timeout)
        }
        var events = Events()
        guard ready > 0 else { return events }
        if wakeFD.revents != 0 {
            var drain: UInt64 = 0
            while read(wakeRead, &drain, MemoryLayout<UInt64>.size) > 0 {}
            queue.withLock { $0.wakePending = false }
        }
        if socket >= 0 {
            events.readable = socketFD.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
            events.writable = socketFD.revents & Int16(POLLOUT) != 0
        }
        return events
    }

    /// Runs the jobs queued so far (jobs they queue wait for the next turn, so I/O is not starved).
    func runJobs() {
        let jobs = queue.withLock { queue in
            defer { queue.jobs.removeAll(keepingCapacity: true) }
            return queue.jobs
        }
        for job in jobs {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// The loop has ended: from now on jobs go to the global executor; run what is queued,
    /// and the timers.
    func exit() {
        let (jobs, timers) = queue.withLock { queue in
            queue.exited = true
            defer {
                queue.jobs = []
                queue.timers = []
            }
            return (queue.jobs, queue.timers)
        }
        for job in jobs {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
        // Nothing will wait for them here any more: they run now, a little early.
        for timer in timers { timer.action() }
    }
}
