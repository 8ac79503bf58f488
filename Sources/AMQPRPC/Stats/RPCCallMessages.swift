import AMQPProtocol
import NIOCore

/// A request as the client published it, kept with its call for the screens' detail panel:
/// values the call already had (its properties, its body — a reference-counted buffer, so
/// keeping it copies no bytes — and one timestamp), nothing formatted.
public struct RPCSentRequest: Sendable, Hashable {
  /// The properties as published: `correlation_id`, `reply_to` (once published; empty while
  /// the request is held back for the link), `expiration` (ms, as text) and the headers,
  /// `x-rpc-deadline-us` among them, when the deadline travels; the content type.
  public var properties: AMQPBasicProperties
  /// The request body as sent.
  public var body: ByteBuffer
  /// The queue it was sent to: the routing key, on the default exchange.
  public var routingKey: String
  /// When the call was made, in µs since the Unix epoch (wall clock; the deadline header is
  /// counted from it). A request held back for the link is published later.
  public var publishedAtMicroseconds: Int64
  /// How many times it was handed to the link: 1; 0 while held back for the link; more for
  /// an idempotent call sent again after a lost link, or an unroutable one retried after a
  /// recovery.
  public var sendCount: Int

  public init(
    properties: AMQPBasicProperties, body: ByteBuffer, routingKey: String,
    publishedAtMicroseconds: Int64, sendCount: Int = 1
  ) {
    self.properties = properties
    self.body = body
    self.routingKey = routingKey
    self.publishedAtMicroseconds = publishedAtMicroseconds
    self.sendCount = sendCount
  }
}

/// A reply as it came: what the client matched (or discarded), kept for the screens.
public struct RPCReceivedMessage: Sendable, Hashable {
  /// The reply's properties as received (from a peer: any value, any size the frame limit
  /// allows).
  public var properties: AMQPBasicProperties
  /// The reply's body as received.
  public var body: ByteBuffer
  /// Whether the broker delivered it before (AMQP 0-9-1 `basic.deliver` redelivered).
  public var redelivered: Bool
  /// When the client took it, in µs since the Unix epoch (wall clock).
  public var receivedAtMicroseconds: Int64

  public init(
    properties: AMQPBasicProperties, body: ByteBuffer, redelivered: Bool,
    receivedAtMicroseconds: Int64
  ) {
    self.properties = properties
    self.body = body
    self.redelivered = redelivered
    self.receivedAtMicroseconds = receivedAtMicroseconds
  }
}
