import AMQPClient
import NIOCore

/// One request a server handled, for logs and UIs.
public struct RPCServerEvent: Sendable, Hashable {
  /// How the request ended.
  public enum Outcome: Sendable, Hashable {
    /// Answered; `value` is the reply body as text, cut to its first 64 bytes (fib(n) for
    /// the Fibonacci procedure).
    case answered(value: String)
    /// Answered with an error reply.
    case refused(RPCServerErrorKind, message: String)
    /// Rejected without a reply: it had no `reply_to`.
    case rejected(reason: String)
    /// Not answered: the link that delivered it was lost before its answer left, so the
    /// broker requeued it and a worker gets it again (a reply now would be a second one).
    case interrupted
  }

  /// The worker's name.
  public var worker: String
  /// The request's correlation id (empty when it had none).
  public var correlationID: String
  /// n, when the request was a Fibonacci request whose body parsed.
  package var n: Int?
  public var outcome: Outcome
  /// Time from receiving the request to having its answer (before the reply is published).
  public var service: Duration

  package init(worker: String, correlationID: String, n: Int?, outcome: Outcome, service: Duration)
  {
    self.worker = worker
    self.correlationID = correlationID
    self.n = n
    self.outcome = outcome
    self.service = service
  }
}

/// Something that happened to a server's link or to a worker's consumer, for screens and
/// logs: never silent.
public enum RPCServerNotice: Sendable, Hashable, CustomStringConvertible {
  /// The connection's own event (lost, reconnecting, recovered, blocked…).
  case connection(AMQPConnectionEvent)
  /// The broker cancelled a worker's consumer or closed its channel; it is being restored.
  case consumerLost(worker: String, reason: String)
  /// The worker consumes again; `queueDeclared` when it had to declare the queue anew.
  case consumerRestored(worker: String, queueDeclared: Bool)
  /// The broker refused a request's reply; the request was rejected without requeue.
  case replyRefused(RefusedReply)

  public var description: String {
    switch self {
    case .connection(.disconnected(let error)): "connection lost: \(error.message)"
    case .connection(.reconnecting(let attempt, let delay, let endpoint)):
      "reconnecting to \(endpoint): attempt \(attempt) in \(RPCLinkEvent.seconds(delay))"
    case .connection(.recovered(let recovery)):
      "recovered after \(RPCLinkEvent.seconds(recovery.downtime)) on \(recovery.endpoint); "
        + "workers consuming again"
    case .connection(.recoveryFailed(let entity, let error)):
      "could not restore \(entity): \(error.message)"
    case .connection(.blocked(let reason)): "broker blocked publishing (\(reason)): replies wait"
    case .connection(.unblocked): "broker unblocked publishing"
    case .consumerLost(let worker, let reason): "\(worker): \(reason); restoring its consumer"
    case .consumerRestored(let worker, let declared):
      "\(worker): consuming again" + (declared ? " (queue declared anew)" : "")
    case .replyRefused(let refused): refused.description
    }
  }
}
