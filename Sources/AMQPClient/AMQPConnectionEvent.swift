/// What happens to a connection over its life: the broker's flow control, and the loss and
/// automatic recovery of the link (see ``AMQPRecoveryPolicy``).
public enum AMQPConnectionEvent: Sendable, Hashable {
  /// The broker stopped reading from publishers (`connection.blocked`, for example a memory
  /// or disk alarm); `reason` is the broker's text.
  case blocked(reason: String)
  /// The broker resumed reading (`connection.unblocked`); also reported right after
  /// ``disconnected(_:)`` when the lost link was blocked, since a new link starts unblocked
  /// (the broker blocks it again, if its alarm lasts, when it publishes).
  case unblocked
  /// The link to the broker was lost (socket closed, heartbeat timeout, `connection.close`
  /// from the broker); recovery starts. Calls waiting for a reply failed with this error.
  case disconnected(AMQPError)
  /// The next reconnection attempt (1 for the first) starts after `delay`, to `endpoint`
  /// (`host:port`).
  case reconnecting(attempt: Int, delay: Duration, endpoint: String)
  /// The connection, its channels, the recorded topology and the consumers are back.
  case recovered(AMQPRecovery)
  /// One recorded entity (a queue, exchange, binding or consumer) could not be restored;
  /// the rest of the recovery went on. `entity` names it (`queue rpc_queue`).
  case recoveryFailed(entity: String, error: AMQPError)
}

/// A completed recovery, as reported by ``AMQPConnectionEvent/recovered(_:)``.
public struct AMQPRecovery: Sendable, Hashable {
  /// From the loss of the link to the end of the recovery.
  public var downtime: Duration
  /// How many connection attempts it took (1: the first worked).
  public var attempts: Int
  /// The endpoint (`host:port`) the connection is now on.
  public var endpoint: String
  /// Server-named queues declared again under a new name: old name → new name. Messages
  /// must now be addressed (for example as `reply_to`) to the new name.
  public var renamedQueues: [String: String]

  public init(downtime: Duration, attempts: Int, endpoint: String, renamedQueues: [String: String])
  {
    self.downtime = downtime
    self.attempts = attempts
    self.endpoint = endpoint
    self.renamedQueues = renamedQueues
  }
}
