import NIOConcurrencyHelpers

/// The value of whichever of `first` and `second` finishes first. The other keeps running
/// unobserved: for waits that cannot be cancelled (a drain, a signal), when the caller is
/// about to exit or no longer cares.
package func firstOf<Value: Sendable>(
  _ first: @escaping @Sendable () async -> Value, _ second: @escaping @Sendable () async -> Value
) async -> Value {
  await withCheckedContinuation { continuation in
    let resumed = NIOLockedValueBox(false)
    @Sendable func finish(_ value: Value) {
      let isFirst = resumed.withLockedValue { done in
        defer { done = true }
        return !done
      }
      if isFirst { continuation.resume(returning: value) }
    }
    // Unstructured on purpose: a task group would wait for the loser.
    Task { finish(await first()) }
    Task { finish(await second()) }
  }
}
