import NIOCore

/// One request a server handled, for logs and UIs.
public struct RPCServerEvent: Sendable, Hashable {
  /// How the request ended.
  public enum Outcome: Sendable, Hashable {
    /// Answered with fib(n).
    case answered(value: Int64)
    /// Answered with an error reply.
    case refused(RPCServerErrorKind, message: String)
    /// Rejected without a reply: it had no `reply_to`.
    case rejected(reason: String)
  }

  /// The worker's name.
  public var worker: String
  /// The request's correlation id (empty when it had none).
  public var correlationID: String
  /// n, when the body parsed.
  public var n: Int?
  public var outcome: Outcome
  /// Time from receiving the request to having its answer (before the reply is published).
  public var service: TimeAmount

  public init(worker: String, correlationID: String, n: Int?, outcome: Outcome, service: TimeAmount)
  {
    self.worker = worker
    self.correlationID = correlationID
    self.n = n
    self.outcome = outcome
    self.service = service
  }
}
