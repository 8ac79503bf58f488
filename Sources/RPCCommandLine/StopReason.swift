import AMQPClient
import NIOConcurrencyHelpers

/// Why a long-running command stops.
public enum StopReason: Sendable {
  /// SIGINT or SIGTERM.
  case signal(Int32)
  /// The broker connection ended.
  case connectionClosed(AMQPError)

  /// Waits for the first of a termination signal and the connection closing.
  public static func first(signals: SignalWatcher, connection: AMQPConnection) async -> StopReason {
    await withCheckedContinuation { continuation in
      let resumed = NIOLockedValueBox(false)
      @Sendable func finish(_ reason: StopReason) {
        let first = resumed.withLockedValue { done in
          defer { done = true }
          return !done
        }
        if first { continuation.resume(returning: reason) }
      }
      // Unstructured on purpose: neither wait can be cancelled, and the loser is harmless.
      Task { if let number = await signals.next() { finish(.signal(number)) } }
      Task { finish(.connectionClosed(await connection.closed())) }
    }
  }
}
