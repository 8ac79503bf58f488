import AMQPClient
import AMQPRPC

/// The lines the line modes print about the link to the broker: one per event, on standard
/// error (the results stay alone on standard output), ` [!] ` for trouble and ` [x] ` when
/// things are back. Counts and names come first, the broker's reason last.
package enum LinkLines {
  /// A client's link event: how many calls a break affected, the reconnection attempts,
  /// the recovery with the new `reply_to`, flow control.
  package static func line(_ event: RPCLinkEvent) -> String {
    switch event {
    case .lost(let reason, let failed, let resent):
      return " [!] connection lost: \(affected(failed, resent)) (\(reason))"
    case .reconnecting(let attempt, let delay):
      return " [!] reconnecting: attempt \(attempt), next try in \(seconds(delay))"
    case .recovered(let downtime, let replyTo, let released):
      return " [x] recovered after \(seconds(downtime)); reply_to is now \(replyTo)"
        + (released > 0 ? "; \(calls(released)) that waited sent" : "")
    case .callbackQueueLost(let queue, let failed, let resent):
      return " [!] callback queue \(queue) deleted: \(affected(failed, resent))"
    case .callbackQueueReplaced(let old, let new, let released):
      return " [x] new callback queue: reply_to is now \(new) (was \(old))"
        + (released > 0 ? "; \(calls(released)) that waited sent" : "")
    case .blocked(let reason):
      return " [!] broker blocked publishing: calls wait, their timeouts running (\(reason))"
    case .unblocked(let released):
      return " [x] broker unblocked publishing"
        + (released > 0 ? "; \(calls(released)) that waited sent" : "")
    case .closed(let reason):
      return " [!] connection closed for good, no call can be made (\(reason))"
    }
  }

  /// A server's notice: its connection lost, reconnecting, recovered or blocked, a worker's
  /// consumer lost and restored.
  package static func line(_ notice: RPCServerNotice) -> String {
    switch notice {
    case .connection(let event): line(event)
    case .consumerLost(let worker, let reason):
      " [!] \(worker) lost its consumer, restoring it (\(reason))"
    case .consumerRestored(let worker, let queueDeclared):
      " [x] \(worker) consumes again" + (queueDeclared ? " (the queue was declared anew)" : "")
    case .replyRefused(let refused):
      " [!] \(refused.worker): the broker refused the reply to \(refused.replyTo); request id "
        + "\(refused.correlationID.isEmpty ? "-" : refused.correlationID) rejected, not requeued"
        + " (\(refused.reason))"
    }
  }

  /// A connection's own event, for commands that watch the connection rather than a client
  /// (the server, rpc-bench).
  package static func line(_ event: AMQPConnectionEvent) -> String {
    switch event {
    case .disconnected(let error): " [!] connection lost (\(error.message))"
    case .reconnecting(let attempt, let delay, let endpoint):
      " [!] reconnecting to \(endpoint): attempt \(attempt), next try in \(seconds(delay))"
    case .recovered(let recovery):
      " [x] recovered after \(seconds(recovery.downtime)) on \(recovery.endpoint)"
        + " (\(recovery.attempts) attempt\(recovery.attempts == 1 ? "" : "s"))"
    case .recoveryFailed(let entity, let error):
      " [!] could not restore \(entity) (\(error.message))"
    case .blocked(let reason): " [!] broker blocked publishing (\(reason))"
    case .unblocked: " [x] broker unblocked publishing"
    }
  }

  /// `3 calls affected: 2 failed as connection lost, 1 to be sent again`.
  static func affected(_ failed: Int, _ resent: Int) -> String {
    guard failed + resent > 0 else { return "no call in flight" }
    var parts: [String] = []
    if failed > 0 { parts.append("\(failed) failed as connection lost") }
    if resent > 0 { parts.append("\(resent) to be sent again") }
    return "\(calls(failed + resent)) affected: " + parts.joined(separator: ", ")
  }

  static func calls(_ count: Int) -> String { RPCLinkEvent.calls(count) }

  static func seconds(_ duration: Duration) -> String { RPCLinkEvent.seconds(duration) }
}
