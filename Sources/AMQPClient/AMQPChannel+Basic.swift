import AMQPProtocol
import NIOCore

extension AMQPChannel {
  /// Limits unacknowledged deliveries (per consumer, or per channel with `global`).
  public func basicQos(prefetchCount: UInt16, prefetchSize: UInt32 = 0, global: Bool = false)
    async throws
  {
    _ = try await call(
      .basicQos(.init(prefetchSize: prefetchSize, prefetchCount: prefetchCount, global: global)))
  }

  /// Publishes a message. Bodies larger than the negotiated frame size are split into
  /// several body frames. In confirm mode returns the publish's delivery tag.
  ///
  /// - Throws: ``AMQPError``; ``AMQPError/Code/shortStringTooLong`` before anything is sent
  ///   when the exchange, routing key, a short-string property or a `headers` key is longer
  ///   than 255 bytes of UTF-8.
  @discardableResult
  public func publish(
    _ body: ByteBuffer, exchange: String = "", routingKey: String, mandatory: Bool = false,
    properties: AMQPBasicProperties = AMQPBasicProperties()
  ) async throws -> UInt64? {
    let id = self.id
    let publish = AMQPMethod.Basic.Publish(
      exchange: exchange, routingKey: routingKey, mandatory: mandatory)
    return try await connection.onLoopSync {
      try $0.publish(publish, properties: properties, body: body, channelID: id, confirmation: nil)
    }
  }

  /// Publishes at once, from the connection's event loop (callers check
  /// `connection.eventLoop.inEventLoop`; elsewhere it traps): no future and no hop, for the
  /// RPC hot path.
  package func publishOnEventLoop(
    _ body: ByteBuffer, routingKey: String, mandatory: Bool, properties: AMQPBasicProperties
  ) throws(AMQPError) {
    _ = try connection.handler.value.publish(
      AMQPMethod.Basic.Publish(exchange: "", routingKey: routingKey, mandatory: mandatory),
      properties: properties, body: body, channelID: id, confirmation: nil)
  }

  /// Publishes a message on a channel in confirm mode and waits for the broker's verdict:
  /// `true` for basic.ack, `false` for basic.nack.
  public func publishConfirmed(
    _ body: ByteBuffer, exchange: String = "", routingKey: String, mandatory: Bool = false,
    properties: AMQPBasicProperties = AMQPBasicProperties()
  ) async throws -> Bool {
    let id = self.id
    let publish = AMQPMethod.Basic.Publish(
      exchange: exchange, routingKey: routingKey, mandatory: mandatory)
    return try await connection.onLoop { handler in
      let promise = handler.eventLoop.makePromise(of: Bool.self)
      do {
        _ = try handler.publish(
          publish, properties: properties, body: body, channelID: id, confirmation: promise)
      } catch {
        promise.fail(error)
      }
      return promise.futureResult
    }
  }

  /// Puts the channel in publisher-confirm mode.
  public func confirmSelect() async throws {
    let id = self.id
    try await connection.onLoop { $0.confirmSelect(channelID: id) }
  }

  /// Starts a consumer. Iterate the returned ``AMQPConsumer`` for deliveries; stopping the
  /// iteration cancels the consumer. At most `bufferSize` deliveries wait in memory: beyond
  /// that the connection stops reading from the socket until the application catches up.
  public func consume(
    queue: String, consumerTag: String = "", noAck: Bool = false, exclusive: Bool = false,
    arguments: AMQPFieldTable = [:], bufferSize: Int = 256
  ) async throws -> AMQPConsumer {
    let id = self.id
    let consume = AMQPMethod.Basic.Consume(
      queue: queue, consumerTag: consumerTag, noAck: noAck, exclusive: exclusive,
      arguments: arguments)
    let bound = connection.handler
    let size = max(2, bufferSize)
    let (tag, sequence) = try await connection.onLoop {
      $0.consume(consume, channelID: id, highWatermark: size, handler: bound)
    }
    return AMQPConsumer(tag: tag, channel: self, sequence: sequence)
  }

  /// Starts a consumer whose deliveries are handed to `onDelivery` on the connection's event
  /// loop, in order, with no buffering and no hop to another task: for work that completes at
  /// once (RPC clients matching replies). `onDelivery` must not block; `onEnd` runs once when
  /// the consumer ends (`nil` when the application cancelled it). Returns the consumer tag.
  public func consume(
    queue: String, consumerTag: String = "", noAck: Bool = false, exclusive: Bool = false,
    arguments: AMQPFieldTable = [:],
    onDelivery: @escaping @Sendable (AMQPMessage) -> Void,
    onEnd: @escaping @Sendable (AMQPError?) -> Void
  ) async throws -> String {
    let id = self.id
    let consume = AMQPMethod.Basic.Consume(
      queue: queue, consumerTag: consumerTag, noAck: noAck, exclusive: exclusive,
      arguments: arguments)
    return try await connection.onLoop {
      $0.consume(consume, channelID: id, deliver: onDelivery, end: onEnd)
    }
  }

  /// Acknowledges without suspending the caller; the future completes once written. Queued
  /// behind a publish submitted before it, so "reply, then ack" keeps its order.
  public func ackWithFuture(deliveryTag: UInt64, multiple: Bool = false) -> EventLoopFuture<Void> {
    sendWithFuture(.basicAck(.init(deliveryTag: deliveryTag, multiple: multiple)))
  }

  /// Rejects without suspending the caller; see ``ackWithFuture(deliveryTag:multiple:)``.
  public func rejectWithFuture(deliveryTag: UInt64, requeue: Bool = false) -> EventLoopFuture<Void>
  {
    sendWithFuture(.basicReject(.init(deliveryTag: deliveryTag, requeue: requeue)))
  }

  /// Acknowledges at once, from the connection's event loop (elsewhere it traps): no future,
  /// for the RPC hot path.
  package func ackOnEventLoop(deliveryTag: UInt64) throws(AMQPError) {
    try connection.handler.value.send(.basicAck(.init(deliveryTag: deliveryTag)), channelID: id)
  }

  /// Sends a method with no reply from any thread; direct when already on the event loop.
  private func sendWithFuture(_ method: AMQPMethod) -> EventLoopFuture<Void> {
    let id = self.id
    let handler = connection.handler
    let eventLoop = connection.eventLoop
    if eventLoop.inEventLoop {
      return eventLoop.makeCompletedFuture { try handler.value.send(method, channelID: id) }
    }
    return eventLoop.submit { try handler.value.send(method, channelID: id) }
  }

  /// Cancels a consumer; its sequence finishes.
  public func cancel(consumerTag: String) async throws {
    let id = self.id
    try await connection.onLoop { $0.cancel(consumerTag: consumerTag, channelID: id) }
  }

  /// Fetches one message, or `nil` when the queue is empty.
  public func get(queue: String, noAck: Bool = false) async throws -> AMQPMessage? {
    let id = self.id
    return try await connection.onLoop { $0.get(.init(queue: queue, noAck: noAck), channelID: id) }
  }

  /// Acknowledges a delivery (or, with `multiple`, every one up to it).
  public func ack(deliveryTag: UInt64, multiple: Bool = false) async throws {
    try await send(.basicAck(.init(deliveryTag: deliveryTag, multiple: multiple)))
  }

  /// Negatively acknowledges a delivery (RabbitMQ's extension), optionally requeueing it.
  public func nack(deliveryTag: UInt64, multiple: Bool = false, requeue: Bool = true) async throws {
    try await send(
      .basicNack(.init(deliveryTag: deliveryTag, multiple: multiple, requeue: requeue)))
  }

  /// Rejects one delivery, optionally requeueing it.
  public func reject(deliveryTag: UInt64, requeue: Bool) async throws {
    try await send(.basicReject(.init(deliveryTag: deliveryTag, requeue: requeue)))
  }

  /// Redelivers every unacknowledged message on this channel (`requeue` must be true on
  /// RabbitMQ).
  public func recover(requeue: Bool = true) async throws {
    _ = try await call(.basicRecover(.init(requeue: requeue)))
  }

  /// Starts a transaction scope on this channel.
  public func txSelect() async throws { _ = try await call(.txSelect(.init())) }
  /// Commits the current transaction.
  public func txCommit() async throws { _ = try await call(.txCommit(.init())) }
  /// Rolls the current transaction back.
  public func txRollback() async throws { _ = try await call(.txRollback(.init())) }
}
