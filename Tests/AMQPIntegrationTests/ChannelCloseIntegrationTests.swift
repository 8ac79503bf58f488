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

    /// A channel error (404 on a passive declare, 406 on a clashing declare) closes only the
    /// channel; `reopen()` opens it again under the same id, the connection untouched.
    @Test func channelClosedByAChannelErrorIsReopenedWithoutTouchingTheConnection()
      async throws
    {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let name = Broker.uniqueName("reopen")
      let error = await #expect(throws: AMQPError.self) {
        try await channel.queueDeclare(name, passive: true)
      }
      #expect(error?.replyCode == 404)
      #expect(await channel.isOpen() == false)
      try await channel.reopen()
      #expect(await channel.isOpen())
      let queue = try await channel.queueDeclare(name, exclusive: true)
      #expect(queue.name == name)
      await #expect(throws: AMQPError.self) { try await channel.reopen() }  // open already
      let clash = await #expect(throws: AMQPError.self) {
        try await channel.queueDeclare(name, exclusive: true, arguments: ["x-max-length": 5])
      }
      #expect(clash?.replyCode == 406)
      try await channel.reopen()
      try await channel.publish(ByteBuffer(string: "after 406"), routingKey: name)
      let message = try #require(try await channel.get(queue: name, noAck: true))
      #expect(String(buffer: message.body) == "after 406")
      #expect(connection.isOpen)
      try await connection.close()
    }
  }
}
