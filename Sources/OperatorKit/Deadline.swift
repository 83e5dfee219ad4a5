/// Runs `operation`, and throws `error` instead if it has not finished within `limit` (the
/// operation is cancelled: the MQTT layer's waits for a reconnection end on cancellation).
func withDeadline<Result: Sendable>(
    _ limit: Duration, or error: OperatorError, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw error
        }
        defer { group.cancelAll() }
        // The first to finish decides: the result, the operation's error, or the deadline's.
        return try await group.next()!
    }
}
