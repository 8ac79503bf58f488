import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  /// `AMQPChannel.call` waits only for methods the broker answers.
  @Suite struct ChannelCalls {
    @Test func noWaitDeclareThroughCallReturnsAtOnceAndTheNextDeclareGetsItsOwnReply()
      async throws
    {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let first = Broker.uniqueName("no-wait")
      let second = Broker.uniqueName("waits")
      let noReply = try await channel.call(
        .queueDeclare(.init(queue: first, exclusive: true, noWait: true)))
      #expect(noReply == nil)
      let reply = try await channel.call(.queueDeclare(.init(queue: second, exclusive: true)))
      guard case .queueDeclareOk(let ok) = reply else {
        Issue.record("expected declare-ok, got \(String(describing: reply))")
        return
      }
      #expect(ok.queue == second)
      // The no-wait declare did reach the broker.
      #expect(try await channel.queueDeclare(first, passive: true).name == first)
      let ack = try await channel.call(.basicAck(.init(deliveryTag: 0, multiple: true)))
      #expect(ack == nil)
      try await connection.close()
    }

    @Test func publishThroughCallIsRefusedAndTheChannelStaysUsable() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let error = await #expect(throws: AMQPError.self) {
        try await channel.call(.basicPublish(.init(routingKey: "q")))
      }
      #expect(error?.code == .invalidArgument)
      #expect(try await channel.queueDeclare(exclusive: true).name.hasPrefix("amq.gen-"))
      try await connection.close()
    }
  }
}
