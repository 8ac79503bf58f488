import AMQPClient
import AMQPProtocol
import CoreMetrics
import NIOCore
import Tracing

/// A server worker's spans and metrics, made once when the worker starts.
///
/// As on the client (see ``RPCClientObserver``), tracing is decided then: with no tracer
/// configured and the no-op one bootstrapped, ``tracer`` is `nil` and a request costs one
/// branch. Metrics likewise: with swift-metrics' no-op factory a request touches no handler.
final class RPCWorkerObserver: Sendable {
  /// How a request is counted: its label in the `amqp_rpc.outcome` dimension.
  enum Outcome: Int, CaseIterable {
    case ok, error, expired, rejected, interrupted

    var label: String {
      switch self {
      case .ok: "ok"
      case .error: "error"
      case .expired: "expired"
      case .rejected: "rejected"
      case .interrupted: "interrupted"
      }
    }

    init(_ outcome: RPCServerEvent.Outcome) {
      switch outcome {
      case .answered: self = .ok
      case .refused(.expired, _): self = .expired
      case .refused: self = .error
      case .rejected: self = .rejected
      case .interrupted: self = .interrupted
      }
    }
  }

  /// The tracer requests make spans with; `nil` when tracing is off.
  let tracer: (any Tracer)?
  /// Whether a metrics backend takes the counts (not swift-metrics' no-op one): when not, a
  /// request touches no handler.
  private let recordsMetrics: Bool
  private let queue: String
  private let worker: String
  private let consumed: Counter
  /// By `Outcome.rawValue`.
  private let requests: [Counter]
  private let durations: [Timer]
  private let inFlight: Meter
  private let busyTime: FloatingPointCounter

  init(configuration: RPCServerConfiguration, worker: String) {
    let tracer = configuration.tracer ?? InstrumentationSystem.tracer
    self.tracer = tracer is NoOpTracer ? nil : tracer
    self.queue = configuration.queue
    self.worker = worker
    let factory = configuration.metricsFactory ?? MetricsSystem.factory
    recordsMetrics = !(factory is NOOPMetricsHandler)
    let base = [
      (MessagingConventions.system, MessagingConventions.rabbitmq),
      (MessagingConventions.destinationName, configuration.queue),
    ]
    consumed = Counter(
      label: MessagingConventions.clientConsumedMessages,
      dimensions: base + [(MessagingConventions.operationName, "process")], factory: factory)
    requests = Outcome.allCases.map {
      Counter(
        label: MessagingConventions.serverRequests,
        dimensions: base + [(MessagingConventions.outcome, $0.label)], factory: factory)
    }
    durations = Outcome.allCases.map {
      Timer(
        label: MessagingConventions.processDuration,
        dimensions: base + [
          (MessagingConventions.operationName, "process"),
          (MessagingConventions.outcome, $0.label),
        ], factory: factory)
    }
    inFlight = Meter(
      label: MessagingConventions.serverRequestsInFlight, dimensions: base, factory: factory)
    busyTime = FloatingPointCounter(
      label: MessagingConventions.serverWorkerBusyTime,
      dimensions: base + [(MessagingConventions.worker, worker)], factory: factory)
  }

  /// A request was delivered.
  func delivered() {
    guard recordsMetrics else { return }
    consumed.increment()
    inFlight.increment()
  }

  /// A request was handled (counted in the worker's stats with the same outcome).
  func finished(_ outcome: RPCServerEvent.Outcome, after service: TimeAmount) {
    guard recordsMetrics else { return }
    let outcome = Outcome(outcome)
    inFlight.decrement()
    requests[outcome.rawValue].increment()
    durations[outcome.rawValue].recordNanoseconds(service.nanoseconds)
    busyTime.increment(by: Double(service.nanoseconds) / 1e9)
  }

  /// A request left without being counted (its answer was dropped after the drain's
  /// grace period requeued it).
  func abandoned() {
    guard recordsMetrics else { return }
    inFlight.decrement()
  }

  /// Starts a request's span, `process <queue>` (kind consumer), as a child of the context
  /// its headers carry (none, or an unreadable one, makes it a root span).
  func startSpan(
    _ tracer: any Tracer, _ message: AMQPMessage, endpoint: String
  ) -> any Span {
    var context = InstrumentationContext.topLevel
    if let headers = message.properties.headers {
      tracer.extract(headers, into: &context, using: AMQPHeaderExtractor())
    }
    let span = tracer.startSpan("process " + queue, context: context, ofKind: .consumer)
    let server = MessagingConventions.serverAttributes(endpoint)
    span.updateAttributes { attributes in
      attributes[MessagingConventions.system] = MessagingConventions.rabbitmq
      attributes[MessagingConventions.operationType] = "process"
      attributes[MessagingConventions.operationName] = "process"
      attributes[MessagingConventions.destinationName] = queue
      attributes[MessagingConventions.routingKey] = message.routingKey
      if let id = message.properties.correlationID {
        attributes[MessagingConventions.conversationID] = id
      }
      if let id = message.properties.messageID {
        attributes[MessagingConventions.messageID] = id
      }
      attributes[MessagingConventions.bodySize] = message.body.readableBytes
      // An Int64 attribute: a delivery tag beyond Int64.max (never seen) is left out.
      if let tag = Int64(exactly: message.deliveryTag) {
        attributes[MessagingConventions.deliveryTag] = tag
      }
      attributes[MessagingConventions.worker] = worker
      attributes[MessagingConventions.serverAddress] = server.address
      if let port = server.port { attributes[MessagingConventions.serverPort] = port }
    }
    return span
  }

  /// Marks a request's span as failed: `error.type` and an error status.
  static func failed(_ span: (any Span)?, errorType: String, message: String) {
    guard let span else { return }
    span.attributes[MessagingConventions.errorType] = errorType
    span.setStatus(SpanStatus(code: .error, message: message))
  }

  /// Runs a handler with `span`'s context as the task-local one, so the handler's own spans
  /// are its children; without a span, just runs it.
  static func withContext<T>(of span: (any Span)?, _ body: () throws -> T) rethrows -> T {
    guard let span else { return try body() }
    return try InstrumentationContext.$current.withValue(span.context, operation: body)
  }

  /// The `async` form of ``withContext(of:_:)``.
  static func withContext<T: Sendable>(
    of span: (any Span)?, _ body: () async -> T
  ) async -> T {
    guard let span else { return await body() }
    return await InstrumentationContext.$current.withValue(span.context, operation: body)
  }
}

extension RPCServerErrorKind {
  /// The kind as an `error.type` value.
  var errorType: String { rawValue }
}
