import NIOCore

/// Where one consumer's deliveries go.
struct ConsumerSink {
  typealias Producer = NIOThrowingAsyncSequenceProducer<
    AMQPMessage, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark,
    ConsumerDemandDelegate
  >

  enum Target {
    /// A back-pressured async sequence: when the application falls behind by the high
    /// watermark, the handler stops reading from the socket until it catches up to the low
    /// one (with `basic.qos` this never happens for acknowledged consumers; it bounds memory
    /// for no-ack ones).
    case sequence(Producer.Source)
    /// Callbacks run on the event loop, for consumers that complete work there without
    /// waiting (RPC reply matching); nothing is buffered.
    case callback(deliver: @Sendable (AMQPMessage) -> Void, end: @Sendable (AMQPError?) -> Void)
  }

  let target: Target
  let noAck: Bool
  var wantsMore = true

  /// Hands over a delivery; returns false when the sequence wants no more for now.
  func deliver(_ message: AMQPMessage) -> Bool {
    switch target {
    case .sequence(let source): return source.yield(message) != .stopProducing
    case .callback(let deliver, _):
      deliver(message)
      return true
    }
  }

  /// Ends the deliveries: normally (cancelled by the application) or with an error.
  func finish(_ error: AMQPError?) {
    switch target {
    case .sequence(let source):
      if let error { source.finish(error) } else { source.finish() }
    case .callback(_, let end):
      end(error)
    }
  }
}

/// Relays demand from the consuming task to the handler on its event loop.
struct ConsumerDemandDelegate: NIOAsyncSequenceProducerDelegate {
  let handler: NIOLoopBound<AMQPConnectionHandler>
  let channelID: UInt16
  let consumerTag: String

  func produceMore() {
    handler.eventLoop.execute {
      handler.value.consumerWantsMore(channelID: channelID, consumerTag: consumerTag)
    }
  }

  func didTerminate() {
    handler.eventLoop.execute {
      handler.value.consumerTerminated(channelID: channelID, consumerTag: consumerTag)
    }
  }
}
