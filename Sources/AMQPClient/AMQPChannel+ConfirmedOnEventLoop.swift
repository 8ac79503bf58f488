import AMQPProtocol
import NIOCore

extension AMQPChannel {
  /// Publishes at once, from the connection's event loop (callers check
  /// `connection.eventLoop.inEventLoop`; elsewhere it traps), on a channel in confirm mode:
  /// the future is the broker's verdict, `true` for basic.ack and `false` for basic.nack.
  /// It fails with the channel's or the link's error when either is lost before the verdict
  /// (AMQP 0-9-1 leaves such a publish unconfirmed: it may or may not have been taken), and
  /// at once when the publish cannot be written.
  package func publishConfirmedOnEventLoop(
    _ body: ByteBuffer, routingKey: String, mandatory: Bool, properties: AMQPBasicProperties
  ) -> EventLoopFuture<Bool> {
    let promise = connection.eventLoop.makePromise(of: Bool.self)
    do {
      _ = try connection.handler.value.publish(
        AMQPMethod.Basic.Publish(exchange: "", routingKey: routingKey, mandatory: mandatory),
        properties: properties, body: body, channelID: id, confirmation: promise)
    } catch {
      promise.fail(error)
    }
    return promise.futureResult
  }
}
