import AMQPProtocol
import NIOCore

/// A message received from a queue, by a consumer (`basic.deliver`) or by `basic.get`.
public struct AMQPMessage: Sendable {
  /// The channel-scoped tag to acknowledge this message with.
  public var deliveryTag: UInt64
  /// Whether the broker delivered this message before without an acknowledgement.
  public var redelivered: Bool
  /// The exchange the message was published to.
  public var exchange: String
  /// The routing key it was published with.
  public var routingKey: String
  /// The consumer that received it; empty for `basic.get`.
  public var consumerTag: String
  /// For `basic.get`: how many messages remain in the queue.
  public var messageCount: UInt32?
  /// The message properties.
  public var properties: AMQPBasicProperties
  /// The message body.
  public var body: ByteBuffer

  public init(
    deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String,
    consumerTag: String, messageCount: UInt32? = nil, properties: AMQPBasicProperties,
    body: ByteBuffer
  ) {
    self.deliveryTag = deliveryTag
    self.redelivered = redelivered
    self.exchange = exchange
    self.routingKey = routingKey
    self.consumerTag = consumerTag
    self.messageCount = messageCount
    self.properties = properties
    self.body = body
  }
}

/// A message published with `mandatory` that no queue took, returned by the broker.
public struct AMQPReturnedMessage: Sendable {
  /// Why it was returned (312 NO_ROUTE).
  public var replyCode: UInt16
  /// The broker's explanation.
  public var replyText: String
  /// The exchange it was published to.
  public var exchange: String
  /// The routing key it was published with.
  public var routingKey: String
  /// The message properties (the correlation id tells which request it was).
  public var properties: AMQPBasicProperties
  /// The message body.
  public var body: ByteBuffer
}
