import AMQPProtocol

/// The result of `queue.declare`.
public struct AMQPQueueInfo: Sendable, Hashable {
  /// The queue name (the broker's choice for a server-named queue).
  public var name: String
  /// Messages ready in the queue.
  public var messageCount: UInt32
  /// Consumers on the queue.
  public var consumerCount: UInt32
}

extension AMQPChannel {
  /// Declares a queue, or with `passive` checks that it exists (404 closes the channel if
  /// not). An empty name asks the broker for a server-named queue.
  @discardableResult
  public func queueDeclare(
    _ name: String = "", passive: Bool = false, durable: Bool = false, exclusive: Bool = false,
    autoDelete: Bool = false, arguments: AMQPFieldTable = [:]
  ) async throws -> AMQPQueueInfo {
    let reply = try await call(
      .queueDeclare(
        .init(
          queue: name, passive: passive, durable: durable, exclusive: exclusive,
          autoDelete: autoDelete, arguments: arguments)))
    return try expect(reply) {
      guard case .queueDeclareOk(let ok) = $0 else { return nil }
      return AMQPQueueInfo(
        name: ok.queue, messageCount: ok.messageCount, consumerCount: ok.consumerCount)
    }
  }

  /// Binds a queue to an exchange.
  public func queueBind(
    _ queue: String, exchange: String, routingKey: String = "", arguments: AMQPFieldTable = [:]
  ) async throws {
    _ = try await call(
      .queueBind(
        .init(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)))
  }

  /// Removes a binding.
  public func queueUnbind(
    _ queue: String, exchange: String, routingKey: String = "", arguments: AMQPFieldTable = [:]
  ) async throws {
    _ = try await call(
      .queueUnbind(
        .init(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)))
  }

  /// Removes all ready messages; returns how many.
  @discardableResult
  public func queuePurge(_ queue: String) async throws -> UInt32 {
    let reply = try await call(.queuePurge(.init(queue: queue)))
    return try expect(reply) {
      guard case .queuePurgeOk(let ok) = $0 else { return nil }
      return ok.messageCount
    }
  }

  /// Deletes a queue; returns how many messages it held.
  @discardableResult
  public func queueDelete(_ queue: String, ifUnused: Bool = false, ifEmpty: Bool = false)
    async throws -> UInt32
  {
    let reply = try await call(
      .queueDelete(.init(queue: queue, ifUnused: ifUnused, ifEmpty: ifEmpty)))
    return try expect(reply) {
      guard case .queueDeleteOk(let ok) = $0 else { return nil }
      return ok.messageCount
    }
  }
}
