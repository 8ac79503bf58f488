import AMQPProtocol
import CoreMetrics
import NIOCore
import Tracing

/// A client's spans and metrics, made once when it starts.
///
/// Tracing is decided then too: with no tracer configured and none bootstrapped (the
/// global one is `NoOpTracer`), ``tracer`` is `nil` and a call costs one branch — no
/// context, no header, no span. Metrics likewise: with no factory configured and none
/// bootstrapped (swift-metrics' `NOOPMetricsHandler`), ``recordsMetrics`` is false and a call
/// reads no clock and touches no handler. With neither, ``isActive`` is false and a call
/// carries no observation at all.
final class RPCClientObserver: Sendable {
  /// The tracer calls make spans with; `nil` when tracing is off.
  let tracer: (any Tracer)?
  /// Whether a metrics backend takes the counts (not swift-metrics' no-op one).
  let recordsMetrics: Bool
  /// Whether calls are observed at all: traced, or counted by a metrics backend.
  var isActive: Bool { tracer != nil || recordsMetrics }
  private let sentMessages: Counter
  /// By `RPCOutcome.index`.
  private let calls: [Counter]
  private let durations: [Timer]
  private let inFlight: Meter
  private let discarded: [RPCDiscardKind: Counter]

  init(configuration: RPCClientConfiguration) {
    let tracer = configuration.tracer ?? InstrumentationSystem.tracer
    self.tracer = tracer is NoOpTracer ? nil : tracer
    let factory = configuration.metricsFactory ?? MetricsSystem.factory
    recordsMetrics = !(factory is NOOPMetricsHandler)
    let system = (MessagingConventions.system, MessagingConventions.rabbitmq)
    sentMessages = Counter(
      label: MessagingConventions.clientSentMessages,
      dimensions: [system, (MessagingConventions.operationName, "send")], factory: factory)
    calls = RPCOutcome.allCases.map {
      Counter(
        label: MessagingConventions.clientCalls,
        dimensions: [system, (MessagingConventions.outcome, $0.label)], factory: factory)
    }
    durations = RPCOutcome.allCases.map {
      Timer(
        label: MessagingConventions.clientOperationDuration,
        dimensions: [
          system, (MessagingConventions.operationName, "send"),
          (MessagingConventions.outcome, $0.label),
        ], factory: factory)
    }
    inFlight = Meter(
      label: MessagingConventions.clientCallsInFlight, dimensions: [system], factory: factory)
    discarded = Dictionary(
      uniqueKeysWithValues: RPCDiscardKind.allCases.map {
        (
          $0,
          Counter(
            label: MessagingConventions.clientDiscardedReplies,
            dimensions: [system, (MessagingConventions.discardKind, $0.rawValue)],
            factory: factory)
        )
      })
  }

  /// Starts a call's span (`send <queue>`, kind producer: its context is the request's
  /// creation context) and writes its context into `properties.headers`, where the request
  /// and any resend of it carry it.
  func startSpan(
    _ tracer: any Tracer, id: String, routingKey: String, bodySize: Int, endpoint: String,
    properties: inout AMQPBasicProperties
  ) -> any Span {
    let span = tracer.startSpan(
      "send " + routingKey, context: InstrumentationContext.current ?? .topLevel,
      ofKind: .producer)
    let server = MessagingConventions.serverAttributes(endpoint)
    span.updateAttributes { attributes in
      attributes[MessagingConventions.system] = MessagingConventions.rabbitmq
      attributes[MessagingConventions.operationType] = "send"
      attributes[MessagingConventions.operationName] = "send"
      // Through the default exchange the routing key names the destination.
      attributes[MessagingConventions.destinationName] = routingKey
      attributes[MessagingConventions.routingKey] = routingKey
      attributes[MessagingConventions.conversationID] = id
      attributes[MessagingConventions.bodySize] = bodySize
      attributes[MessagingConventions.serverAddress] = server.address
      if let port = server.port { attributes[MessagingConventions.serverPort] = port }
    }
    var headers = properties.headers ?? [:]
    tracer.inject(span.context, into: &headers, using: AMQPHeaderInjector())
    properties.headers = headers
    return span
  }

  /// A call was registered and counted as sent.
  func sent() {
    guard recordsMetrics else { return }
    sentMessages.increment()
    inFlight.increment()
  }

  /// A call ended (counted in the stats with the same outcome).
  func ended(_ result: Result<RPCReply, RPCError>, after duration: TimeAmount) {
    guard recordsMetrics else { return }
    let outcome: RPCOutcome
    switch result {
    case .success: outcome = .ok
    case .failure(let error): outcome = RPCOutcome(error.code)
    }
    inFlight.decrement()
    calls[outcome.index].increment()
    durations[outcome.index].recordNanoseconds(duration.nanoseconds)
  }

  /// A reply was thrown away.
  func discarded(_ kind: RPCDiscardKind) {
    guard recordsMetrics else { return }
    discarded[kind]?.increment()
  }

  /// Ends a call's span: an error status and `error.type` unless it was answered.
  static func end(_ span: any Span, _ result: Result<RPCReply, RPCError>) {
    if case .failure(let error) = result {
      span.attributes[MessagingConventions.errorType] = error.code.errorType
      span.setStatus(SpanStatus(code: .error, message: error.message))
    }
    span.end()
  }
}

/// What a call's end reports to: the client's observer, the span (when tracing), and when
/// it was sent.
struct RPCCallObservation: Sendable {
  let observer: RPCClientObserver
  let span: (any Span)?
  let sentAt: NIODeadline

  /// The call ended and was counted: metrics and span.
  func ended(_ result: Result<RPCReply, RPCError>) {
    if observer.recordsMetrics { observer.ended(result, after: .now() - sentAt) }
    if let span { RPCClientObserver.end(span, result) }
  }
}

extension CallWaiter {
  /// Completes a call that was never registered (the client had closed): its span ends, but
  /// it is not counted, as the stats do not count it.
  func completeUnsent(_ error: RPCError) {
    if let span = observation?.span { RPCClientObserver.end(span, .failure(error)) }
    var unsent = self
    unsent.observation = nil
    unsent.complete(.failure(error))
  }
}
