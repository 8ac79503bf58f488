import AMQPClient
import NIOConcurrencyHelpers

extension RPCClient {
  /// The request queue's messages ready for delivery (`message_count`) and its consumers,
  /// by one passive declare on the client's probe channel (as
  /// ``consumerCount(of:)``); `nil` when the queue does not exist. For the screens' "workers
  /// listening" and the queue's depth over time.
  ///
  /// - Throws: `AMQPError` when the broker cannot be asked (link down, channel refused).
  package func requestQueueStatus() async throws -> (ready: Int, consumers: Int)? {
    let channel: AMQPChannel
    if let existing = probe.withLockedValue({ $0 }), await existing.isOpen() {
      channel = existing
    } else {
      channel = try await connection.openChannel()
      probe.withLockedValue { $0 = channel }
    }
    do {
      let info = try await channel.queueDeclare(configuration.queue, passive: true)
      return (Int(info.messageCount), Int(info.consumerCount))
    } catch let error as AMQPError where error.replyCode == 404 {
      return nil
    }
  }
}
