/// A request whose reply the broker refused (it closed the replies' connection or channel
/// when that reply was published alone). Its request was rejected
/// without requeue, so it cannot come back and do it again; no answer reached its caller.
public struct RefusedReply: Sendable, Hashable, CustomStringConvertible {
  /// The worker that held the request.
  public var worker: String
  /// The request's correlation id, as it came (empty when it had none). Peer text: escape it
  /// before printing it to a terminal.
  public var correlationID: String
  /// The request's `reply_to`, which the broker would not take a reply for. Peer text too.
  public var replyTo: String
  /// The broker's reason, e.g. `541 INTERNAL_ERROR`.
  public var reason: String

  public init(worker: String, correlationID: String, replyTo: String, reason: String) {
    self.worker = worker
    self.correlationID = correlationID
    self.replyTo = replyTo
    self.reason = reason
  }

  public var description: String {
    "\(worker): the broker refused the reply to \(replyTo) (\(reason)); request id "
      + "\(correlationID.isEmpty ? "-" : correlationID) rejected, not requeued"
  }
}
