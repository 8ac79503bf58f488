import AMQPProtocol

extension AMQPChannel {
  /// Declares an exchange (`direct`, `fanout`, `topic`, `headers`, or a plugin type), or with
  /// `passive` checks that it exists.
  public func exchangeDeclare(
    _ name: String, type: String = "direct", passive: Bool = false, durable: Bool = false,
    autoDelete: Bool = false, internal: Bool = false, arguments: AMQPFieldTable = [:]
  ) async throws {
    _ = try await call(
      .exchangeDeclare(
        .init(
          exchange: name, type: type, passive: passive, durable: durable, autoDelete: autoDelete,
          internal: `internal`, arguments: arguments)))
  }

  /// Deletes an exchange.
  public func exchangeDelete(_ name: String, ifUnused: Bool = false) async throws {
    _ = try await call(.exchangeDelete(.init(exchange: name, ifUnused: ifUnused)))
  }

  /// Binds `destination` to `source` (RabbitMQ's exchange-to-exchange bindings).
  public func exchangeBind(
    destination: String, source: String, routingKey: String = "", arguments: AMQPFieldTable = [:]
  ) async throws {
    _ = try await call(
      .exchangeBind(
        .init(
          destination: destination, source: source, routingKey: routingKey, arguments: arguments)))
  }

  /// Removes an exchange-to-exchange binding.
  public func exchangeUnbind(
    destination: String, source: String, routingKey: String = "", arguments: AMQPFieldTable = [:]
  ) async throws {
    _ = try await call(
      .exchangeUnbind(
        .init(
          destination: destination, source: source, routingKey: routingKey, arguments: arguments)))
  }
}
