import AMQPClient
import NIOConcurrencyHelpers
import NIOCore

/// Whether anyone serves a queue: its consumer count, asked of the broker.
extension RPCClient {
  /// How many consumers `queue` (``RPCClientConfiguration/queue`` when `nil`) has now, by a
  /// passive declare on a channel of the client's own; `nil` when the queue does not exist.
  ///
  /// - Throws: `AMQPError` when the broker cannot be asked (link down, channel refused).
  public func consumerCount(of queue: String? = nil) async throws -> Int? {
    let channel: AMQPChannel
    if let existing = probe.withLockedValue({ $0 }), await existing.isOpen() {
      channel = existing
    } else {
      channel = try await connection.openChannel()
      probe.withLockedValue { $0 = channel }
    }
    do {
      let info = try await channel.queueDeclare(queue ?? configuration.queue, passive: true)
      return Int(info.consumerCount)
    } catch let error as AMQPError where error.replyCode == 404 {
      return nil
    }
  }

  /// The request queue's consumers (the screens' "workers listening").
  package func workersListening() async throws -> Int? { try await consumerCount() }

  /// Why a call to `queue` must end unsent under ``RPCNoResponders/fail``, or `nil` to send
  /// it: the queue has consumers (seen within the last second), does not exist (the broker
  /// returns the request as unroutable), or the broker could not be asked.
  func missingResponders(on queue: String) async -> String? {
    let now = NIODeadline.now()
    if let seen = respondersSeen.withLockedValue({ $0[queue] }),
      now - seen < Self.respondersMemory
    {
      return nil
    }
    guard let consumers = try? await consumerCount(of: queue), consumers == 0 else {
      respondersSeen.withLockedValue { $0[queue] = now }
      return nil
    }
    respondersSeen.withLockedValue { $0[queue] = nil }
    return "no server consumes queue \"\(queue)\" (0 consumers); the request was not sent"
  }

  /// How long a queue seen with consumers is taken to still have them.
  static let respondersMemory = TimeAmount.seconds(1)
}
