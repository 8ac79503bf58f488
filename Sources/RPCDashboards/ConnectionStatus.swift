import AMQPClient

/// The broker connection as a screen header shows it.
public enum ConnectionStatus: Sendable, Hashable {
  case connecting
  case connected
  case blocked(reason: String)
  /// The link was lost (`reason`); attempt `attempt` starts after `delay`.
  case reconnecting(attempt: Int, delay: Duration, reason: String)
  /// Back after an outage of `downtime`.
  case recovered(downtime: Duration)
  case closed(reason: String)

  /// `connected`, `BLOCKED (low on memory)`, `RECONNECTING #2 in 1.0 s (…)`, `CLOSED: …`.
  public var label: String {
    switch self {
    case .connecting: "connecting"
    case .connected: "connected"
    case .blocked(let reason): "BLOCKED (\(reason))"
    case .reconnecting(let attempt, let delay, let reason):
      "RECONNECTING #\(attempt) in \(Format.duration(delay.timeAmount)) (\(reason))"
    case .recovered(let downtime):
      "connected (recovered after \(Format.duration(downtime.timeAmount)))"
    case .closed(let reason): "CLOSED: \(reason)"
    }
  }

  /// The status after a connection event.
  public func applying(_ event: AMQPConnectionEvent) -> ConnectionStatus {
    switch event {
    case .blocked(let reason): .blocked(reason: reason)
    case .unblocked: .connected
    case .disconnected(let error): .reconnecting(attempt: 1, delay: .zero, reason: error.message)
    case .reconnecting(let attempt, let delay, _):
      if case .reconnecting(_, _, let reason) = self {
        .reconnecting(attempt: attempt, delay: delay, reason: reason)
      } else {
        .reconnecting(attempt: attempt, delay: delay, reason: "link lost")
      }
    case .recovered(let recovery): .recovered(downtime: recovery.downtime)
    case .recoveryFailed: self
    }
  }
}
