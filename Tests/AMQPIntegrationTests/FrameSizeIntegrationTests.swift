import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  @Suite struct FrameSizes {
    /// RabbitMQ cannot split a content header: a consumer on `frame_max=8192` gets 20 kB of
    /// headers in one frame. Before, it closed the connection ("frame of 20082 bytes exceeds
    /// frame_max 8192") and the requeued message killed the next consumer too.
    @Test func messageWith20KilobytesOfHeadersIsConsumedOnAConnectionWithFrameMax8192()
      async throws
    {
      var small = try Broker.configuration
      small.frameMax = 8192
      small.connectionName = "frame-max-8192"
      let consumerConnection = try await AMQPConnection.connect(to: small)
      #expect(consumerConnection.tuning.frameMax == 8192)
      let publisherConnection = try await Broker.connect()
      let consumerChannel = try await consumerConnection.openChannel()
      let queue = try await consumerChannel.queueDeclare(exclusive: true)
      let publisher = try await publisherConnection.openChannel()
      let headers = AMQPFieldTable([
        ("x-big", .string(String(repeating: "h", count: 20_000))), ("x-n", 35),
      ])
      try await publisher.confirmSelect()
      let confirmed = try await publisher.publishConfirmed(
        ByteBuffer(repeating: 9, count: 30_000), routingKey: queue.name,
        properties: .init(headers: headers, correlationID: "big-headers"))
      #expect(confirmed)
      let consumer = try await consumerChannel.consume(queue: queue.name)
      var deliveries = consumer.makeAsyncIterator()
      let message = try #require(try await deliveries.next())
      let sameHeaders = message.properties.headers == headers
      #expect(sameHeaders)  // a Bool: a failure must not print 20 kB
      #expect(message.properties.correlationID == "big-headers")
      #expect(message.body == ByteBuffer(repeating: 9, count: 30_000))
      try await consumerChannel.ack(deliveryTag: message.deliveryTag)
      #expect(consumerConnection.isOpen)
      try await publisherConnection.close()
      try await consumerConnection.close()
    }
  }
}
