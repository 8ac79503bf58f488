import CoreMetrics
import Logging
import Tracing

/// How an ``RPCClient`` calls.
public struct RPCClientConfiguration: Sendable {
  /// The queue requests are routed to through the default exchange.
  public var queue: String
  /// The timeout of a call that names none.
  public var timeout: Duration
  /// Use RabbitMQ's Direct Reply-to (`amq.rabbitmq.reply-to`) instead of an exclusive,
  /// server-named callback queue.
  public var directReplyTo: Bool
  /// Whether requests carry their deadline (`expiration` and the deadline header), so the
  /// broker and the servers drop them once the caller gave up. A call can override it.
  public var propagatesDeadlines: Bool
  /// Whether requests are published as mandatory, so one that no queue takes fails at once
  /// as unroutable instead of timing out.
  public var mandatory: Bool
  /// What a call does when its queue exists but no server consumes it.
  public var noResponders: RPCNoResponders
  /// Where the client logs (nowhere by default).
  public var logger: Logger
  /// The tracer each call makes its span with (`send <queue>`, its context carried in the
  /// request's headers); `nil` takes `InstrumentationSystem.tracer` when the client starts.
  /// When that is the no-op tracer, calls make no span and add no header.
  public var tracer: (any Tracer)? = nil
  /// Where the client's metrics are made, once, when it starts; `nil` takes
  /// `MetricsSystem.factory`. See the README's "Tracing and metrics" for the names.
  public var metricsFactory: (any MetricsFactory)? = nil

  /// With `propagatesDeadlines` and `mandatory` both `false`, a Fibonacci request carries
  /// only `reply_to`, `correlation_id` and `content_type`, as the RabbitMQ tutorial clients
  /// send it (plus its content type).
  public init(
    queue: String = RPCWire.defaultQueue, timeout: Duration = .seconds(30),
    directReplyTo: Bool = false, propagatesDeadlines: Bool = true, mandatory: Bool = true,
    noResponders: RPCNoResponders = .wait,
    logger: Logger = Logger(label: "rpc-client", factory: { _ in SwiftLogNoOpLogHandler() })
  ) {
    self.queue = queue
    self.timeout = timeout
    self.directReplyTo = directReplyTo
    self.propagatesDeadlines = propagatesDeadlines
    self.mandatory = mandatory
    self.noResponders = noResponders
    self.logger = logger
  }
}

/// What a call does when the queue it calls exists but has no consumer — no server is
/// listening. (When the queue does not exist at all, a mandatory request fails at once as
/// unroutable whatever this says.)
public enum RPCNoResponders: Sendable, Hashable {
  /// Send it anyway: it waits in the queue, within its timeout, for a server to start.
  case wait
  /// End the call at once with ``RPCError/Code/noResponders``, unsent, as NATS does. The
  /// consumer count is asked of the broker (a passive declare) before a call, at most once a
  /// second per queue while consumers are seen.
  case fail
}
