/// Names from the OpenTelemetry semantic conventions v1.41.0 — messaging spans and metrics
/// (<https://opentelemetry.io/docs/specs/semconv/messaging/>), their RabbitMQ page
/// (<https://opentelemetry.io/docs/specs/semconv/messaging/rabbitmq/>) and the general
/// `server.*` and `error.type` attributes — plus the few this library adds, under
/// `amqp_rpc.`, where the conventions have no name for what it measures.
enum MessagingConventions {
  // MARK: Attributes

  static let system = "messaging.system"
  /// The value of ``system`` for RabbitMQ.
  static let rabbitmq = "rabbitmq"
  static let operationType = "messaging.operation.type"
  static let operationName = "messaging.operation.name"
  static let destinationName = "messaging.destination.name"
  static let routingKey = "messaging.rabbitmq.destination.routing_key"
  static let deliveryTag = "messaging.rabbitmq.message.delivery_tag"
  /// The correlation id ("Sometimes called Correlation ID", the conventions say).
  static let conversationID = "messaging.message.conversation_id"
  static let messageID = "messaging.message.id"
  static let bodySize = "messaging.message.body.size"
  static let serverAddress = "server.address"
  static let serverPort = "server.port"
  static let errorType = "error.type"
  /// The worker that handled a request (`<server>/w<n>`): this library's own.
  static let worker = "amqp_rpc.worker"
  /// How a call or a request ended (``RPCOutcome`` in snake case on the client; `ok`,
  /// `error`, `expired`, `rejected`, `interrupted` on the server): this library's own.
  static let outcome = "amqp_rpc.outcome"
  /// Why a reply was discarded (``RPCDiscardKind``): this library's own.
  static let discardKind = "amqp_rpc.discard.kind"

  // MARK: Metrics (durations in seconds, as the conventions ask)

  /// Client: requests published (counter, `{message}`).
  static let clientSentMessages = "messaging.client.sent.messages"
  /// Client: one call from its send to its end, whatever the outcome (histogram, `s`).
  static let clientOperationDuration = "messaging.client.operation.duration"
  /// Client: calls ended, by outcome (counter, `{call}`).
  static let clientCalls = "amqp_rpc.client.calls"
  /// Client: calls waiting for their reply (up-down counter, `{call}`).
  static let clientCallsInFlight = "amqp_rpc.client.calls.in_flight"
  /// Client: replies thrown away, by kind (counter, `{message}`).
  static let clientDiscardedReplies = "amqp_rpc.client.replies.discarded"
  /// Server: requests delivered to the workers (counter, `{message}`).
  static let clientConsumedMessages = "messaging.client.consumed.messages"
  /// Server: one request from its delivery to its answer (histogram, `s`).
  static let processDuration = "messaging.process.duration"
  /// Server: requests handled, by outcome (counter, `{message}`).
  static let serverRequests = "amqp_rpc.server.requests"
  /// Server: requests delivered and not yet handled (up-down counter, `{message}`).
  static let serverRequestsInFlight = "amqp_rpc.server.requests.in_flight"
  /// Server: the time each worker spent handling requests (counter, `s`); its rate is the
  /// worker's utilisation (0…1 per worker at prefetch 1).
  static let serverWorkerBusyTime = "amqp_rpc.server.worker.busy_time"

  /// `host:port` split into the `server.address` and `server.port` attributes (the port
  /// omitted when it is not a number).
  static func serverAttributes(_ endpoint: String) -> (address: String, port: Int?) {
    guard let colon = endpoint.lastIndex(of: ":") else { return (endpoint, nil) }
    return (String(endpoint[..<colon]), Int(endpoint[endpoint.index(after: colon)...]))
  }
}

extension RPCOutcome {
  /// The outcome as a metric label or `error.type` value: snake case.
  var label: String {
    switch self {
    case .ok: "ok"
    case .serverError: "server_error"
    case .timedOut: "timed_out"
    case .unroutable: "unroutable"
    case .connectionLost: "connection_lost"
    case .cancelled: "cancelled"
    }
  }
}

extension RPCError.Code {
  /// The code as an `error.type` value: snake case.
  var errorType: String {
    switch base {
    case .serverError: "server_error"
    case .timedOut: "timed_out"
    case .unroutable: "unroutable"
    case .connectionLost: "connection_lost"
    case .cancelled: "cancelled"
    case .noResponders: "no_responders"
    }
  }
}
