import AMQPProtocol
import NIOCore

/// A successful reply.
public struct RPCReply: Sendable, Hashable {
  /// The request's correlation id.
  public var correlationID: String
  /// The n asked for, when the call was a Fibonacci call.
  package var n: Int?
  /// The reply body, as it came.
  public var body: ByteBuffer
  /// The reply's properties, as they came (`content_type`, headers…).
  public var properties: AMQPBasicProperties
  /// The reply body as UTF-8 text (fib(n) as decimal text for a Fibonacci call; invalid
  /// sequences become U+FFFD).
  public var value: String { String(decoding: body.readableBytesView, as: UTF8.self) }
  /// The worker that answered, when the server says (our servers do; tutorial ones do not).
  public var worker: String?
  /// Time from publishing the request to receiving the reply.
  public var roundTrip: Duration
  /// The round trip split by the server's timestamps, when the reply carries them.
  public var timing: RPCTiming?

  package init(
    correlationID: String, n: Int?, body: ByteBuffer,
    properties: AMQPBasicProperties = AMQPBasicProperties(), worker: String?,
    roundTrip: Duration, timing: RPCTiming?
  ) {
    self.correlationID = correlationID
    self.n = n
    self.body = body
    self.properties = properties
    self.worker = worker
    self.roundTrip = roundTrip
    self.timing = timing
  }

  /// A reply (for tests and stand-ins; the client makes its own).
  public init(
    correlationID: String, body: ByteBuffer,
    properties: AMQPBasicProperties = AMQPBasicProperties(), worker: String? = nil,
    roundTrip: Duration, timing: RPCTiming? = nil
  ) {
    self.init(
      correlationID: correlationID, n: nil, body: body, properties: properties, worker: worker,
      roundTrip: roundTrip, timing: timing)
  }

  /// A reply whose body is `value` as UTF-8 text.
  package init(
    correlationID: String, n: Int?, value: String, worker: String?, roundTrip: Duration,
    timing: RPCTiming?
  ) {
    self.init(
      correlationID: correlationID, n: n, body: ByteBuffer(string: value), worker: worker,
      roundTrip: roundTrip, timing: timing)
  }
}

/// A round trip split into its parts using the server's wall-clock timestamps. Exact when
/// client and server share a clock (one machine); otherwise off by the clocks' skew.
public struct RPCTiming: Sendable, Hashable {
  /// From publishing the request to a worker receiving it.
  public var queueWait: Duration
  /// The worker's time on the request.
  public var service: Duration
  /// From the worker publishing the reply to the client receiving it.
  public var returnTrip: Duration

  public init(queueWait: Duration, service: Duration, returnTrip: Duration) {
    self.queueWait = queueWait
    self.service = service
    self.returnTrip = returnTrip
  }
}

/// Why a call failed. Every call ends in exactly one of: a reply, or one of these codes.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of failure: extensible, as `AMQPError.Code` is (new kinds can be added
  /// without breaking a `switch`, which therefore needs a `default`).
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    package enum Base: String, Sendable, Hashable, CaseIterable {
      case serverError = "server error"
      case timedOut = "timed out"
      case unroutable
      case connectionLost = "connection lost"
      case cancelled
      case noResponders = "no responders"
    }
    package let base: Base

    /// The code as text (`timed out`).
    public var rawValue: String { base.rawValue }
    public var description: String { base.rawValue }

    /// The server answered with an error (see ``RPCError/serverErrorKind``).
    public static let serverError = Code(base: .serverError)
    /// No reply before the timeout.
    public static let timedOut = Code(base: .timedOut)
    /// The broker had no queue to route the request to (`basic.return`).
    public static let unroutable = Code(base: .unroutable)
    /// The connection or channel went away while the call waited.
    public static let connectionLost = Code(base: .connectionLost)
    /// The client was closed while the call waited (an awaiting caller whose task is
    /// cancelled gets `CancellationError` instead).
    public static let cancelled = Code(base: .cancelled)
    /// The queue called exists but no server consumes it, and the client's
    /// ``RPCClientConfiguration/noResponders`` policy is ``RPCNoResponders/fail``: the
    /// request was not sent. Counted as ``RPCOutcome/unroutable``.
    public static let noResponders = Code(base: .noResponders)
  }

  /// The kind of failure.
  public var code: Code
  /// A human-readable explanation.
  public var message: String
  /// For ``Code/serverError``: the server's classification.
  public var serverErrorKind: RPCServerErrorKind?
  /// The request's correlation id.
  public var correlationID: String

  /// `timed out: …`; a server error names its kind: `server error (out-of-stock): …`.
  public var description: String {
    guard let kind = serverErrorKind else { return "\(code.rawValue): \(message)" }
    return "\(code.rawValue) (\(kind)): \(message)"
  }

  public init(
    code: Code, message: String, serverErrorKind: RPCServerErrorKind? = nil, correlationID: String
  ) {
    self.code = code
    self.message = message
    self.serverErrorKind = serverErrorKind
    self.correlationID = correlationID
  }
}

/// How a call ended, for counting.
public enum RPCOutcome: String, Sendable, Hashable, CaseIterable {
  case ok
  case serverError = "error"
  case timedOut = "timed out"
  /// No queue took the request, or (``RPCError/Code/noResponders``) no server consumes it.
  case unroutable
  case connectionLost = "connection lost"
  case cancelled

  init(_ code: RPCError.Code) {
    switch code.base {
    case .serverError: self = .serverError
    case .timedOut: self = .timedOut
    case .unroutable, .noResponders: self = .unroutable
    case .connectionLost: self = .connectionLost
    case .cancelled: self = .cancelled
    }
  }
}

/// A reply the client threw away.
public enum RPCDiscardKind: String, Sendable, Hashable, CaseIterable {
  /// Its call had already ended (timed out, cancelled).
  case late
  /// Its correlation id was never ours.
  case unknown
  /// Its call had already been answered.
  case duplicate
}

/// One thing that happened in a client, for UIs and logs.
public enum RPCClientEvent: Sendable, Hashable {
  /// A request was published.
  case sent(correlationID: String)
  /// A call ended: `.success` with the reply, or the error.
  case completed(correlationID: String, result: Result<RPCReply, RPCError>)
  /// A reply was discarded; `lateBy` is set for late ones.
  case discarded(RPCDiscardKind, correlationID: String, lateBy: Duration?)
  /// Something happened to the client's link to the broker or its callback queue.
  case link(RPCLinkEvent)
}

/// What happened to an ``RPCClient``'s connection or callback queue, and what it did to the
/// calls.
public enum RPCLinkEvent: Sendable, Hashable {
  /// The link was lost (`reason`): `failed` calls in flight ended as connection lost;
  /// `resent` idempotent ones go out again, with the same correlation id, once it is back.
  case lost(reason: String, failed: Int, resent: Int)
  /// Reconnection attempt `attempt` starts after `delay`.
  case reconnecting(attempt: Int, delay: Duration)
  /// The link is back after `downtime`; requests now carry `replyTo`; `released` calls
  /// that waited meanwhile were published.
  case recovered(downtime: Duration, replyTo: String, released: Int)
  /// The broker cancelled the reply consumer (the callback queue was deleted): `failed`
  /// calls in flight ended as connection lost, `resent` idempotent ones wait for the new one.
  case callbackQueueLost(queue: String, failed: Int, resent: Int)
  /// A new callback queue replaced a lost one; `released` waiting calls were published.
  case callbackQueueReplaced(old: String, new: String, released: Int)
  /// The broker blocked publishing (`connection.blocked`); new calls wait, their deadlines
  /// running.
  case blocked(reason: String)
  /// The broker unblocked publishing; `released` waiting calls were published.
  case unblocked(released: Int)
  /// The connection closed for good (`reason`): recovery is off, gave up, or the
  /// application closed it. Every later call fails as connection lost.
  case closed(reason: String)
}
