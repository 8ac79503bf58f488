import AMQPClient
import NIOConcurrencyHelpers
import NIOCore

/// A worker's part in ``InterruptedRequests``: what it holds, and what a lost link took.
extension RPCWorker {
  /// Takes a delivery in: `nil` when it is to be handled (it is held from now on), or why it
  /// must be rejected without requeue (it keeps coming back after interrupted handling).
  func holding(_ message: AMQPMessage) -> String? {
    let rejection = interrupted.withLockedValue { memory -> String? in
      let reason = memory.rejection(
        redelivered: message.redelivered, properties: message.properties)
      // Rejected for good: it will not come back.
      if reason != nil, let key = InterruptedRequests.Key(message.properties) {
        memory.settled(key)
      }
      return reason
    }
    if let rejection { return rejection }
    let key = InterruptedRequests.Key(message.properties)
    let id = message.properties.correlationID ?? ""
    held.withLockedValue { $0.hold(message.deliveryTag, correlationID: id, key: key) }
    return nil
  }

  /// The worker no longer holds the delivery; `settled` when it was acknowledged or
  /// rejected (it will not come back, so it need not be remembered).
  func released(_ deliveryTag: UInt64, settled: Bool) {
    guard let key = held.withLockedValue({ $0.release(deliveryTag) }), settled
    else { return }
    interrupted.withLockedValue { $0.settled(key) }
  }

  /// Its connection has a link again (its consumer is being restored with it).
  func linkRestored() {
    linkUp.withLockedValue { $0 = true }
  }

  /// The worker's link or channel is gone: every request it held goes back to the queue,
  /// interrupted.
  func linkLost() {
    linkUp.withLockedValue { $0 = false }
    linkEpoch.withLockedValue { $0 += 1 }
    let keys = held.withLockedValue { $0.releaseAll() }
    guard !keys.isEmpty else { return }
    interrupted.withLockedValue { memory in
      for key in keys { memory.interrupted(key) }
    }
  }
}

extension ReplyPublisher.Verdict {
  /// Whether the request is settled for good (acknowledged or rejected).
  var settlesTheRequest: Bool {
    switch self {
    case .accepted, .refused: true
    case .dropped: false
    }
  }
}
