import AMQPClient

/// The broker connection as a screen header shows it.
public enum ConnectionStatus: Sendable, Hashable {
  case connecting
  case connected
  case blocked(reason: String)
  case closed(reason: String)

  /// `connected`, `BLOCKED (low on memory)`, `CLOSED: …`.
  public var label: String {
    switch self {
    case .connecting: "connecting"
    case .connected: "connected"
    case .blocked(let reason): "BLOCKED (\(reason))"
    case .closed(let reason): "CLOSED: \(reason)"
    }
  }

  /// The status after a connection event.
  public func applying(_ event: AMQPConnectionEvent) -> ConnectionStatus {
    switch event {
    case .blocked(let reason): .blocked(reason: reason)
    case .unblocked: .connected
    }
  }
}
