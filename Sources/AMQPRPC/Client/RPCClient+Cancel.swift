import NIOConcurrencyHelpers
import NIOCore

extension RPCClient {
  /// Ends the calls with these correlation ids as cancelled, for a caller that took their
  /// requests back out of the request queue (rpc-demo quitting): no server will answer them,
  /// so they end now instead of at their timeout. Ids of calls already ended are skipped; a
  /// reply that still comes is discarded as late. Returns how many calls it ended.
  @discardableResult
  package func cancelCalls(_ ids: some Sequence<String>, reason: String) -> Int {
    let now = NIODeadline.now()
    let (ended, events) = state.withLockedValue { state in
      (
        ids.compactMap { state.fail(id: $0, code: .cancelled, message: reason, now: now) },
        state.events
      )
    }
    for (entry, error) in ended {
      events?.yield(.completed(correlationID: entry.id, result: .failure(error)))
      entry.waiter.complete(.failure(error))
    }
    return ended.count
  }
}
