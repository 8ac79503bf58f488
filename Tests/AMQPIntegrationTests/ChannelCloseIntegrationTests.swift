import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  @Suite struct ChannelCloses {
    /// A publish to a missing exchange, then an immediate close: the broker's 404 close and
    /// ours cross, and RabbitMQ answers our close with close-ok after its own close. Before,
    /// that close-ok closed the whole connection with 504, failing every other channel.
    @Test func closingAChannelAsTheBrokerClosesItWith404LeavesOtherChannelsWorking()
      async throws
    {
      let connection = try await Broker.connect()
      let survivor = try await connection.openChannel()
      let queue = try await survivor.queueDeclare(exclusive: true)
      let missing = Broker.uniqueName("no-such-exchange")
      for round in 0..<200 {
        let doomed = try await connection.openChannel()
        try await doomed.publish(
          ByteBuffer(string: "\(round)"), exchange: missing, routingKey: "k")
        try await doomed.close()
        #expect(await doomed.isOpen() == false)
      }
      #expect(connection.isOpen)
      try await survivor.publish(ByteBuffer(string: "still here"), routingKey: queue.name)
      let message = try #require(try await survivor.get(queue: queue.name, noAck: true))
      #expect(String(buffer: message.body) == "still here")
      try await connection.close()
    }
  }
}
