import AMQPClient
import NIOCore

/// The broker connection as a screen header shows it.
package enum ConnectionStatus: Sendable, Hashable {
  case connecting
  case connected
  case blocked(reason: String)
  /// The link was lost (`reason`); attempt `attempt` starts at `nextTry`.
  case reconnecting(attempt: Int, nextTry: NIODeadline, reason: String)
  /// Back after an outage of `downtime`, on the `attempts`-th attempt, at `at`: said for
  /// ``recoveredShownFor``, then shown as connected (see ``settled(now:)``).
  case recovered(downtime: Duration, attempts: Int, at: NIODeadline)
  case closed(reason: String)

  /// What a header shows, short enough for 80 columns with the rest of the header:
  /// `connected`, `BLOCKED: low on memory`, `RECONNECTING #2 in 0.8 s`,
  /// `RECONNECTING #2 now…`, `recovered after 2.31 s` (for ``recoveredShownFor``, then
  /// `connected`), `CLOSED: …`. The reason of a lost link is not in it (see ``reason``).
  package func label(now: NIODeadline) -> String {
    switch settled(now: now) {
    case .connecting: "connecting"
    case .connected: "connected"
    case .blocked(let reason): "BLOCKED: \(reason)"
    case .reconnecting(let attempt, let nextTry, _):
      nextTry > now
        ? "RECONNECTING #\(attempt) in \(Self.tenths(nextTry - now))"
        : "RECONNECTING #\(attempt) now…"
    case .recovered(let downtime, _, _):
      "recovered after \(Format.duration(downtime.timeAmount))"
    case .closed(let reason): "CLOSED: \(reason)"
    }
  }

  /// Shorter labels for a header short of room, longest first (`recovered 2.31 s`,
  /// `recovered`): a transient state gives way before other parts of the header do.
  package func shorterLabels(now: NIODeadline) -> [String] {
    guard case .recovered(let downtime, _, _) = settled(now: now) else { return [] }
    return ["recovered \(Format.duration(downtime.timeAmount))", "recovered"]
  }

  /// How long `recovered after …` is said before the header shows `connected` again.
  package static let recoveredShownFor = TimeAmount.seconds(10)

  /// The state as shown at `now`: a recovery said long enough ago is just connected.
  package func settled(now: NIODeadline) -> ConnectionStatus {
    if case .recovered(_, _, let at) = self, now - at >= Self.recoveredShownFor {
      return .connected
    }
    return self
  }

  /// Why the link was lost, while reconnecting.
  package var reason: String? {
    if case .reconnecting(_, _, let reason) = self { return reason }
    return nil
  }

  /// Whether the header should draw attention (anything but connected or recovered).
  package var isTrouble: Bool {
    switch self {
    case .connecting, .connected, .recovered: false
    case .blocked, .reconnecting, .closed: true
    }
  }

  /// Whether it changes by itself (a countdown; a recovery that reverts to connected), so
  /// screens redraw often.
  package func isAnimating(now: NIODeadline) -> Bool {
    switch settled(now: now) {
    case .reconnecting, .recovered: true
    case .connecting, .connected, .blocked, .closed: false
    }
  }

  /// Whether the link is down (lost and not back yet, or closed for good): whatever the
  /// workers held went back to the broker.
  package var isDown: Bool {
    switch self {
    case .reconnecting, .closed: true
    case .connecting, .connected, .blocked, .recovered: false
    }
  }

  /// The status after a connection event at `now`.
  package func applying(_ event: AMQPConnectionEvent, now: NIODeadline) -> ConnectionStatus {
    switch event {
    case .blocked(let reason): .blocked(reason: reason)
    case .unblocked: .connected
    case .disconnected(let error): .reconnecting(attempt: 1, nextTry: now, reason: error.message)
    case .reconnecting(let attempt, let delay, _):
      .reconnecting(
        attempt: attempt, nextTry: now + delay.timeAmount, reason: reason ?? "link lost")
    case .recovered(let recovery):
      .recovered(downtime: recovery.downtime, attempts: recovery.attempts, at: now)
    case .recoveryFailed: self
    }
  }

  /// `0.8 s`, `12.0 s`: a countdown in tenths, rounded up so it never shows 0.0 early.
  static func tenths(_ amount: TimeAmount) -> String {
    let tenths = (amount.nanoseconds + 99_999_999) / 100_000_000
    return "\(tenths / 10).\(tenths % 10) s"
  }
}
