import NIOCore

/// The producing end of one consumer's delivery sequence.
///
/// Deliveries are handed over through NIO's back-pressured async sequence: when the
/// application falls behind by `highWatermark` messages, the handler stops reading from the
/// socket until it catches up to `lowWatermark` (with `basic.qos` this never happens for
/// acknowledged consumers; it bounds memory for no-ack ones).
struct ConsumerSink {
  typealias Producer = NIOThrowingAsyncSequenceProducer<
    AMQPMessage, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark,
    ConsumerDemandDelegate
  >

  let source: Producer.Source
  let noAck: Bool
  var wantsMore = true
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
