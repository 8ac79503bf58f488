import AMQPProtocol
import NIOCore

/// An AMQP channel: the unit that declares, publishes and consumes.
///
/// A broker error on a channel (for example 404 NOT_FOUND or 406 PRECONDITION_FAILED) closes
/// only that channel: the call throws ``AMQPError/Code/channelClosedByServer`` and the
/// connection stays usable. Every error thrown is an ``AMQPError``.
public final class AMQPChannel: Sendable {
  /// The channel id.
  public let id: UInt16
  /// The connection the channel belongs to.
  public let connection: AMQPConnection

  init(id: UInt16, connection: AMQPConnection) {
    self.id = id
    self.connection = connection
  }

  /// Sends a method and returns the broker's reply, or `nil` for a method the broker does
  /// not answer.
  ///
  /// Only a method whose `AMQPMethod.expectsReply` is true waits for a reply: synchronous
  /// in the spec, and not no-wait. Any other (a declaration with `noWait`, `basic.ack`,
  /// `basic.reject`…) is written and `call` returns `nil` at once, without waiting: nothing
  /// can answer it, and a waiter would take the next reply of the same kind from the request
  /// it belongs to. A no-wait method that the broker refuses closes the channel later,
  /// failing the calls after it.
  ///
  /// - Throws: ``AMQPError``; ``AMQPError/Code/invalidArgument`` for a method that cannot be
  ///   sent this way (`basic.publish`, which carries content: use
  ///   ``publish(_:exchange:routingKey:mandatory:properties:)``; `channel.open`; a
  ///   `connection.*` method); ``AMQPError/Code/channelClosedByServer`` when the broker
  ///   refused the request and closed the channel.
  @discardableResult
  public func call(_ method: AMQPMethod) async throws -> AMQPMethod? {
    let id = self.id
    guard method.expectsReply else {
      try await connection.onLoopSync { try $0.sendUnanswered(method, channelID: id) }
      return nil
    }
    return try await connection.onLoop { $0.request(method, channelID: id) }
  }

  /// Sends a method that has no reply.
  func send(_ method: AMQPMethod) async throws {
    let id = self.id
    try await connection.onLoopSync { try $0.send(method, channelID: id) }
  }

  /// Closes the channel (`channel.close`, waiting for `close-ok`). Succeeds once the channel
  /// is closed, also when the broker closed it first or at the same time (a publish it
  /// refused with 404, say): its reason then fails the calls still waiting on the channel.
  public func close() async throws {
    let id = self.id
    try await connection.onLoop { $0.closeChannel(id) }
  }

  /// Opens the channel again, under the same id, after the broker closed it with a channel
  /// error (404 NOT_FOUND, 406 PRECONDITION_FAILED…) or the application closed it: the
  /// connection is not touched. Its `basic.qos` and consumers are gone with the old channel;
  /// set them again.
  ///
  /// - Throws: ``AMQPError/Code/invalidArgument`` while the channel is still open or closing;
  ///   ``AMQPError/Code/channelLimitReached`` when another channel took the id meanwhile;
  ///   ``AMQPError/Code/reconnecting`` while the link is down.
  public func reopen() async throws {
    let id = self.id
    _ = try await connection.onLoop { $0.openChannel(reusing: id) }
  }

  /// Whether the channel is still open.
  public func isOpen() async -> Bool {
    let id = self.id
    return (try? await connection.onLoopSync { $0.channels[id]?.machine.isUsable ?? false })
      ?? false
  }

  /// Asks the broker to pause (`false`) or resume (`true`) deliveries to this channel.
  ///
  /// RabbitMQ does not implement `active: false` and answers it by closing the connection
  /// with 540 NOT_IMPLEMENTED; with RabbitMQ use `basicQos` or cancel consumers instead.
  public func flow(active: Bool) async throws {
    _ = try await call(.channelFlow(.init(active: active)))
  }

  /// Messages published with `mandatory` that no queue took. Subscribe before publishing;
  /// a new subscription replaces the previous one. Finishes when the channel closes.
  public func returnedMessages() async throws -> AsyncStream<AMQPReturnedMessage> {
    let id = self.id
    return try await connection.onLoopSync { $0.returns(channelID: id) }
  }
}

extension AMQPChannel {
  func expect<T>(_ reply: AMQPMethod?, _ extract: (AMQPMethod) -> T?) throws -> T {
    guard let reply, let value = extract(reply) else {
      throw AMQPError(.protocolViolation, "unexpected reply \(reply?.name ?? "(none)")")
    }
    return value
  }
}
