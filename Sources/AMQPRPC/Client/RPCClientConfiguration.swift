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
  /// The tracer each call makes its span with; `nil` takes `InstrumentationSystem.tracer`
  /// when the client starts. When that is the no-op tracer, calls make no span and add no
  /// header.
  ///
  /// The span, `send <queue>` of kind producer, lasts from the call to its end (answer, error
  /// reply, timeout, unroutable, lost link or cancellation; all but the answer with
  /// `error.type` and an error status), with the attributes of the OpenTelemetry semantic
  /// conventions v1.41.0 for messaging and RabbitMQ
  /// (<https://opentelemetry.io/docs/specs/semconv/messaging/rabbitmq/>), the correlation id
  /// as `messaging.message.conversation_id`. Its context goes into the request's headers
  /// through the tracer's `inject`, as strings (with a W3C tracer, `traceparent` and
  /// `tracestate`: <https://www.w3.org/TR/trace-context/>), and stays there when an idempotent
  /// call is sent again.
  public var tracer: (any Tracer)? = nil
  /// Where the client's metrics are made, once, when it starts; `nil` takes
  /// `MetricsSystem.factory` (no-op handlers when no backend is bootstrapped).
  ///
  /// `amqp_rpc.client.calls` counts calls ended by `amqp_rpc.outcome` (as
  /// ``RPCClientStats/outcomes`` does), `messaging.client.operation.duration` times them
  /// (seconds), `amqp_rpc.client.calls.in_flight` is the calls waiting,
  /// `messaging.client.sent.messages` the requests sent and `amqp_rpc.client.replies.discarded`
  /// the replies thrown away by `amqp_rpc.discard.kind`; each also has
  /// `messaging.system=rabbitmq`.
  public var metricsFactory: (any MetricsFactory)? = nil
  /// How many of the newest ended calls ``RPCClient/stats()`` lists in
  /// ``RPCClientStats/recentlyEnded``, each with its request and reply: at most
  /// ``RPCClientStats/recentLimit`` (1,000, the default). 0 lists none and spares every call
  /// the copy into the list and the release of the call it pushes out (about 1 µs per call
  /// at 100 in flight; see the README's Performance section): a load generator's choice.
  /// The counters, latencies and discarded replies are kept either way.
  public var recentlyEndedLimit = RPCClientStats.recentLimit

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
