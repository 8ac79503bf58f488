import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  /// Short strings hold at most 255 bytes: that much works end to end, one more is refused.
  @Suite struct ShortStrings {
    @Test func queueNameRoutingKeyAndHeaderKeyOf255BytesRoundTripThroughTheBroker()
      async throws
    {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let prefix = Broker.uniqueName("q")
      let name = prefix + String(repeating: "n", count: 255 - prefix.utf8.count)
      let key = String(repeating: "h", count: 255)
      let queue = try await channel.queueDeclare(name, exclusive: true)
      #expect(queue.name == name)
      try await channel.publish(
        ByteBuffer(string: "35"), routingKey: name,
        properties: .init(headers: [key: "v"], correlationID: key, replyTo: name))
      let message = try #require(try await channel.get(queue: name, noAck: true))
      #expect(message.routingKey == name)
      #expect(message.properties.headers?[key] == "v")
      #expect(message.properties.correlationID == key)
      try await connection.close()
    }

    @Test func routingKeyOrHeaderKeyOf256BytesIsRefusedAndTheChannelStaysOpen() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      let long = String(repeating: "k", count: 256)
      let routing = await #expect(throws: AMQPError.self) {
        try await channel.publish(ByteBuffer(string: "x"), routingKey: long)
      }
      #expect(routing?.code == .shortStringTooLong)
      let header = await #expect(throws: AMQPError.self) {
        try await channel.publish(
          ByteBuffer(string: "x"), routingKey: queue.name, properties: .init(headers: [long: 1]))
      }
      #expect(header?.code == .shortStringTooLong)
      let declare = await #expect(throws: AMQPError.self) {
        try await channel.queueDeclare(long, exclusive: true)
      }
      #expect(declare?.code == .shortStringTooLong)
      #expect(await channel.isOpen())
      try await channel.publish(ByteBuffer(string: "ok"), routingKey: queue.name)
      let message = try #require(try await channel.get(queue: queue.name, noAck: true))
      #expect(String(buffer: message.body) == "ok")
      try await connection.close()
    }
  }
}
