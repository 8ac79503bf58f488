import AMQPClient
import AMQPRPC
import NIOConcurrencyHelpers

/// After a lost link the client's callback queue is a new one (`reply_to` changes): requests
/// still waiting in the request queue with the old `reply_to` can only be answered into a
/// queue that is gone, and an idempotent call's copy, sent again with the new `reply_to`,
/// waits behind them. This takes those orphans back out of the queue as soon as the client
/// reports its new callback queue, so that the copies are served next (a screen's job: a
/// library client leaves the request queue alone, since sweeping it delivers other
/// clients' requests once more).
struct OrphanedRequests: Sendable {
  let connection: AMQPConnection
  let queue: String
  private let replyTo: NIOLockedValueBox<String>
  /// Says what was taken back, for the screen.
  private let say: @Sendable (String) -> Void

  init(client: RPCClient, connection: AMQPConnection, say: @escaping @Sendable (String) -> Void) {
    self.connection = connection
    self.queue = client.configuration.queue
    self.replyTo = NIOLockedValueBox(client.callbackQueue)
    self.say = say
  }

  /// Follows the client's link events: a new callback queue starts a sweep of the old one's
  /// requests (at most 10 s).
  func note(_ event: RPCClientEvent) {
    guard case .link(let link) = event else { return }
    let new: String
    switch link {
    case .recovered(_, let replyTo, _): new = replyTo
    case .callbackQueueReplaced(_, let replacement, _): new = replacement
    default: return
    }
    let old = replyTo.withLockedValue { current in
      defer { current = new }
      return current
    }
    guard old != new else { return }
    let (connection, queue, say) = (self.connection, self.queue, self.say)
    Task {
      let removed = try? await RequestSweep(connection: connection, queue: queue, replyTo: old)
        .removeOwnRequests(deadline: .now + .seconds(10))
      guard let removed, !removed.isEmpty else { return }
      say(
        "took \(removed.count) request\(removed.count == 1 ? "" : "s") for the old reply_to "
          + "back out of \(queue): nobody could receive their replies")
    }
  }
}
