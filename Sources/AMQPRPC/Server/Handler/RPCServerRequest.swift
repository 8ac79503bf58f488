import AMQPProtocol
import NIOCore

/// One request as a handler sees it: the body and properties exactly as they arrived, and
/// what the server worked out from them.
public struct RPCServerRequest: Sendable {
  /// The request body, as it arrived (a server refuses bodies over
  /// ``RPCServerConfiguration/maximumBodyBytes`` before any handler sees them).
  public var body: ByteBuffer
  /// Every property, as it arrived.
  public var properties: AMQPBasicProperties
  /// The id the reply carries: `correlation_id`, or — when the request has none —
  /// `message_id`, as RabbitMQ 4.x's AMQP 1.0 requesters send it. Empty when it has neither.
  public var correlationID: String
  /// Where the reply goes (`reply_to`, never empty here).
  public var replyTo: String
  /// Whether the broker delivered it before (to this or another consumer).
  public var redelivered: Bool
  /// The caller's deadline, µs since the Unix epoch (the `x-rpc-deadline-us` header), when
  /// the request carries one. A request whose deadline had passed is refused as
  /// ``RPCServerErrorKind/expired`` before the handler runs.
  public var deadlineMicroseconds: Int64?
  /// The worker handling it (`<server name>/w<n>`).
  public var worker: String

  /// How many times a quorum queue has returned it before (its `x-delivery-count` header),
  /// when it says; see ``RPCServerConfiguration/redeliveryLimit``.
  public var deliveryCount: Int? {
    headers["x-delivery-count"]?.intValue.flatMap { Int(exactly: $0) }
  }

  /// The request's headers (empty when it has none).
  public var headers: AMQPFieldTable { properties.headers ?? [:] }
  /// The body decoded as UTF-8 (invalid sequences become U+FFFD).
  public var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }

  /// Time left until ``deadlineMicroseconds`` from now (negative once it has passed), or
  /// `nil` without a deadline.
  public var timeRemaining: Duration? {
    deadlineMicroseconds.map {
      .microseconds($0.saturatingDifference(WallClock.microsecondsSinceEpoch()))
    }
  }

  public init(
    body: ByteBuffer, properties: AMQPBasicProperties = AMQPBasicProperties(),
    correlationID: String = "", replyTo: String = "", redelivered: Bool = false,
    deadlineMicroseconds: Int64? = nil, worker: String = ""
  ) {
    self.body = body
    self.properties = properties
    self.correlationID = correlationID
    self.replyTo = replyTo
    self.redelivered = redelivered
    self.deadlineMicroseconds = deadlineMicroseconds
    self.worker = worker
  }
}
