import CoreMetrics
import Logging
import Tracing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The type `rpc_queue` is declared with when no queue of that name exists yet (a queue that
/// exists is adopted as it is).
///
/// Both are durable: RabbitMQ 4.3 refuses to declare transient non-exclusive queues (by
/// closing the connection), and a durable queue is still there after a broker restart, so
/// requests sent while servers restart are routed. Durable classic is the default: the same
/// speed as the tutorials' old transient queue on one node (requests are sent transient, so
/// nothing is written to disk). Quorum, as RabbitMQ's current tutorials declare it, is
/// replicated: the choice on a cluster, where it survives the loss of a node.
public enum RPCQueueType: String, Sendable, Hashable, CaseIterable {
  /// A durable classic queue.
  case classic
  /// A durable quorum queue (`x-queue-type: quorum`). Its redeliveries carry
  /// `x-delivery-count` (``RPCServerRequest/deliveryCount``); RabbitMQ 4.0 and later drop a
  /// message returned 20 times (`delivery-limit`).
  case quorum
}

/// How an ``RPCServer`` serves.
public struct RPCServerConfiguration: Sendable {
  /// The queue to consume.
  public var queue: String
  /// Workers started at once.
  public var workers: Int
  /// Unacknowledged deliveries per worker (`basic.qos`); 1 spreads load evenly, 0 means
  /// unlimited.
  public var prefetch: UInt16
  /// The queue type used when the queue must be declared.
  public var queueType: RPCQueueType
  /// Request bodies longer than this (bytes) get an ``RPCServerErrorKind/invalidInput``
  /// error reply before any handler sees them. 1 MiB by default.
  public var maximumBodyBytes: Int
  /// This process's name in worker ids (`<name>/w<n>`).
  public var serverName: String
  /// Where the server logs (nowhere by default).
  public var logger: Logger
  /// How long a graceful shutdown (or a worker's removal) waits for the requests already
  /// delivered to be answered; then they are rejected with requeue.
  public var drainTimeout: Duration
  /// A request that comes back after its handling was interrupted this many times (by a
  /// lost link of the workers, as this server saw it, or as a quorum queue's
  /// `x-delivery-count` says) is rejected without requeue, so that no request can take the
  /// service down in a loop.
  public var redeliveryLimit: Int
  /// The tracer each request's span is made with; `nil` takes `InstrumentationSystem.tracer`
  /// when a worker starts. When that is the no-op tracer, requests make no span and their
  /// headers are not read for one.
  ///
  /// The span, `process <queue>` of kind consumer, is a child of the context the request's
  /// headers carry (read through the tracer's `extract`; only a string or a byte array of at
  /// most 8 KiB is read, anything else is ignored), and lasts from the delivery until the
  /// broker confirmed the reply. The handler, whatever its shape, runs with the span's
  /// context as the task-local one, so its own spans are children of it. Attributes follow
  /// the OpenTelemetry semantic conventions v1.41.0 for messaging and RabbitMQ
  /// (<https://opentelemetry.io/docs/specs/semconv/messaging/rabbitmq/>), plus
  /// `amqp_rpc.worker`; an error reply, a rejected or unanswered request gets `error.type`
  /// and an error status.
  public var tracer: (any Tracer)? = nil
  /// Where the server's metrics are made, once per worker when it starts; `nil` takes
  /// `MetricsSystem.factory` (no-op handlers when no backend is bootstrapped).
  ///
  /// `amqp_rpc.server.requests` counts requests handled by `amqp_rpc.outcome` (`ok`,
  /// `error`, `expired`, `rejected`, `interrupted`, as the workers' stats count them),
  /// `messaging.process.duration` times them (seconds), `messaging.client.consumed.messages`
  /// counts deliveries, `amqp_rpc.server.requests.in_flight` is those not yet handled and
  /// `amqp_rpc.server.worker.busy_time` each worker's time handling (seconds; its rate is
  /// the worker's utilisation); each also has `messaging.system=rabbitmq` and
  /// `messaging.destination.name`.
  public var metricsFactory: (any MetricsFactory)? = nil

  public init(
    queue: String = RPCWire.defaultQueue, workers: Int = 1, prefetch: UInt16 = 1,
    queueType: RPCQueueType = .classic, maximumBodyBytes: Int = 1 << 20,
    serverName: String = defaultServerName(),
    logger: Logger = Logger(label: "rpc-server", factory: { _ in SwiftLogNoOpLogHandler() }),
    drainTimeout: Duration = .seconds(30), redeliveryLimit: Int = 3
  ) {
    self.queue = queue
    self.workers = workers
    self.prefetch = prefetch
    self.queueType = queueType
    self.maximumBodyBytes = maximumBodyBytes
    self.serverName = serverName
    self.logger = logger
    self.drainTimeout = drainTimeout
    self.redeliveryLimit = redeliveryLimit
  }

  /// `<hostname>-<pid>`.
  public static func defaultServerName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let host =
      gethostname(&buffer, buffer.count) == 0
      ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      : "host"
    return "\(host)-\(getpid())"
  }
}
