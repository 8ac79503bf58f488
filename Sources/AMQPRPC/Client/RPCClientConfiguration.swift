import Logging

/// How an ``RPCClient`` calls.
public struct RPCClientConfiguration: Sendable {
  /// The queue requests are routed to through the default exchange.
  public var queue: String
  /// The timeout of a call that names none.
  public var timeout: Duration
  /// Use RabbitMQ's Direct Reply-to (`amq.rabbitmq.reply-to`) instead of an exclusive,
  /// server-named callback queue.
  public var directReplyTo: Bool
  /// Where the client logs (nowhere by default).
  public var logger: Logger

  public init(
    queue: String = RPCWire.defaultQueue, timeout: Duration = .seconds(30),
    directReplyTo: Bool = false,
    logger: Logger = Logger(label: "rpc-client", factory: { _ in SwiftLogNoOpLogHandler() })
  ) {
    self.queue = queue
    self.timeout = timeout
    self.directReplyTo = directReplyTo
    self.logger = logger
  }
}
