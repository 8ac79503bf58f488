import AMQPClient
import AMQPProtocol

/// The request queue as the server found or made it.
public struct RPCQueueInfo: Sendable, Hashable {
  /// The queue name.
  public var name: String
  /// `nil` when the queue already existed and was adopted as it is (a passive declare does not
  /// say its type); otherwise the type this server declared it with.
  public var declaredType: RPCQueueType?
  /// Messages ready when the server started.
  public var messageCount: UInt32
  /// Consumers when the server started (other servers' workers).
  public var consumerCount: UInt32
}

enum RPCQueueSetup {
  /// Adopts the queue as it exists (passive declare); declares it only when absent. A
  /// declaration that clashes with one made meanwhile by another server is explained.
  static func adoptOrDeclare(
    _ name: String, type: RPCQueueType, connection: AMQPConnection
  ) async throws -> RPCQueueInfo {
    let probe = try await connection.openChannel()
    do {
      let existing = try await probe.queueDeclare(name, passive: true)
      try await probe.close()
      return RPCQueueInfo(
        name: name, declaredType: nil, messageCount: existing.messageCount,
        consumerCount: existing.consumerCount)
    } catch let error as AMQPError where error.replyCode == 404 {
      // Absent: the passive declare closed the probe channel; declare on a fresh one.
    }
    let channel = try await connection.openChannel()
    do {
      let declared: AMQPQueueInfo
      switch type {
      case .classic:
        declared = try await channel.queueDeclare(name, durable: true)
      case .quorum:
        declared = try await channel.queueDeclare(
          name, durable: true, arguments: ["x-queue-type": "quorum"])
      }
      try? await channel.close()
      return RPCQueueInfo(
        name: name, declaredType: type, messageCount: declared.messageCount,
        consumerCount: declared.consumerCount)
    } catch let error as AMQPError where error.replyCode == 406 {
      // The broker closed the channel with the 406: nothing to close.
      throw AMQPError(
        .channelClosedByServer,
        "queue \"\(name)\" was just declared by someone else with other settings than "
          + "\(type.rawValue) (\(error.replyText ?? "")). Servers adopt the queue as it exists, "
          + "so restart this one, or delete the queue (rabbitmqctl delete_queue \(name)) "
          + "to choose its type.",
        replyCode: 406, replyText: error.replyText, failingMethod: error.failingMethod)
    } catch {
      try? await channel.close()
      throw error
    }
  }
}
