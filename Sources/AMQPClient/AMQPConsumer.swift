import NIOCore

/// The deliveries of one consumer, as an async sequence. The sequence ends when the consumer
/// is cancelled by the application, and throws ``AMQPError`` when the broker cancels it
/// (``AMQPError/Code/consumerCancelled``) or the channel or connection closes.
public struct AMQPConsumer: AsyncSequence, Sendable {
  public typealias Element = AMQPMessage

  /// The consumer tag the broker confirmed.
  public let tag: String
  /// The channel the consumer runs on (acknowledge deliveries there).
  public let channel: AMQPChannel
  let sequence: ConsumerSink.Producer

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: ConsumerSink.Producer.AsyncIterator

    public mutating func next() async throws -> AMQPMessage? {
      try await base.next()
    }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: sequence.makeAsyncIterator())
  }

  /// Cancels the consumer on the broker; the sequence finishes.
  public func cancel() async throws {
    try await channel.cancel(consumerTag: tag)
  }
}
