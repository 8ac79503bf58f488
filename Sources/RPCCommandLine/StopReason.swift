import AMQPClient

/// Why a long-running command stops.
package enum StopReason: Sendable {
  /// SIGINT, SIGTERM or SIGHUP.
  case signal(Int32)
  /// The broker connection ended.
  case connectionClosed(AMQPError)

  /// Waits for the first of a termination signal and the connection closing.
  package static func first(signals: SignalWatcher, connection: AMQPConnection) async -> StopReason
  {
    await firstOf(
      {
        // No more signals can come (the watcher is gone): only the connection can end it.
        guard let number = await signals.next() else {
          return .connectionClosed(await connection.closed())
        }
        return .signal(number)
      },
      { .connectionClosed(await connection.closed()) })
  }
}
