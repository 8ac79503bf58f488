import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  @Suite struct Messaging {
    @Test func declareBindPublishConsumeAndAck() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let exchange = Broker.uniqueName("ex")
      try await channel.exchangeDeclare(exchange, type: "direct", autoDelete: true)
      let queue = try await channel.queueDeclare(exclusive: true)
      #expect(queue.name.hasPrefix("amq.gen-"))
      try await channel.queueBind(queue.name, exchange: exchange, routingKey: "k")
      try await channel.basicQos(prefetchCount: 10)
      let consumer = try await channel.consume(queue: queue.name)
      var deliveries = consumer.makeAsyncIterator()
      for index in 0..<5 {
        try await channel.publish(
          ByteBuffer(string: "\(index)"), exchange: exchange, routingKey: "k",
          properties: .init(
            headers: ["x-index": .int64(Int64(index))], correlationID: "c\(index)", replyTo: "r"))
      }
      for index in 0..<5 {
        let message = try #require(try await deliveries.next())
        #expect(String(buffer: message.body) == "\(index)")
        #expect(message.properties.correlationID == "c\(index)")
        #expect(message.properties.headers?["x-index"] == .int64(Int64(index)))
        #expect(message.exchange == exchange && message.routingKey == "k")
        try await channel.ack(deliveryTag: message.deliveryTag)
      }
      try await consumer.cancel()
      let after = try await channel.queueDeclare(queue.name, passive: true)
      #expect(after.messageCount == 0)
      #expect(after.consumerCount == 0)
      let topology = try await connection.recordedTopology()
      #expect(topology.exchanges[exchange] != nil)
      #expect(topology.queueBindings.contains { $0.queue == queue.name && $0.exchange == exchange })
      try await channel.exchangeDelete(exchange)
      try await connection.close()
    }

    @Test func oneMebibyteMessageRoundTripsInSplitFrames() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      var body = ByteBuffer()
      for index in 0..<(1 << 20) { body.writeInteger(UInt8(truncatingIfNeeded: index &* 31)) }
      try await channel.publish(body, routingKey: queue.name)
      let consumer = try await channel.consume(queue: queue.name, noAck: true)
      var deliveries = consumer.makeAsyncIterator()
      let message = try #require(try await deliveries.next())
      #expect(message.body.readableBytes == 1 << 20)
      #expect(message.body == body)
      try await connection.close()
    }

    @Test func mandatoryUnroutableMessageIsReturned() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let returns = try await channel.returnedMessages()
      let key = Broker.uniqueName("no-such-queue")
      try await channel.publish(
        ByteBuffer(string: "35"), routingKey: key, mandatory: true,
        properties: .init(correlationID: "lost"))
      let returned = try await withTimeout { () -> AMQPReturnedMessage? in
        var iterator = returns.makeAsyncIterator()
        return await iterator.next()
      }
      #expect(returned?.replyCode == 312)
      #expect(returned?.routingKey == key)
      #expect(returned?.properties.correlationID == "lost")
      #expect(returned.map { String(buffer: $0.body) } == "35")
      try await connection.close()
    }

    @Test func publisherConfirmsAckEveryPublish() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      try await channel.confirmSelect()
      let queue = try await channel.queueDeclare(exclusive: true)
      let first = try await channel.publish(ByteBuffer(string: "a"), routingKey: queue.name)
      #expect(first == 1)
      let results = try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<100 {
          group.addTask {
            try await channel.publishConfirmed(
              ByteBuffer(string: "\(index)"), routingKey: queue.name)
          }
        }
        return try await group.reduce(into: [Bool]()) { $0.append($1) }
      }
      #expect(results.count == 100 && results.allSatisfy { $0 })
      let info = try await channel.queueDeclare(queue.name, passive: true)
      #expect(info.messageCount == 101)
      try await connection.close()
    }

    @Test func deletingTheQueueCancelsItsConsumer() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let name = Broker.uniqueName("doomed")
      try await channel.queueDeclare(name, autoDelete: false)
      let consumer = try await channel.consume(queue: name)
      var deliveries = consumer.makeAsyncIterator()
      let other = try await connection.openChannel()
      try await other.queueDelete(name)
      let error = await #expect(throws: AMQPError.self) { _ = try await deliveries.next() }
      #expect(error?.code == .consumerCancelled)
      // The channel itself is still fine.
      try await channel.queueDeclare(exclusive: true)
      try await connection.close()
    }

    @Test func inequivalentRedeclareClosesOnlyThatChannel() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let name = Broker.uniqueName("clash")
      try await channel.queueDeclare(name, durable: false, autoDelete: true)
      let error = await #expect(throws: AMQPError.self) {
        try await channel.queueDeclare(name, durable: true, autoDelete: true)
      }
      #expect(error?.code == .channelClosedByServer)
      #expect(error?.replyCode == 406)
      #expect(error?.failingMethod == AMQPMethodID(classID: 50, methodID: 10))
      #expect(await channel.isOpen() == false)
      let fresh = try await connection.openChannel()
      let info = try await fresh.queueDeclare(name, passive: true)
      #expect(info.name == name)
      try await fresh.queueDelete(name)
      try await connection.close()
    }

    @Test func passiveDeclareOfAMissingQueueIs404() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let error = await #expect(throws: AMQPError.self) {
        try await channel.queueDeclare(Broker.uniqueName("absent"), passive: true)
      }
      #expect(error?.replyCode == 404)
      try await connection.close()
    }

    @Test func getNackRejectAndRecover() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      #expect(try await channel.get(queue: queue.name) == nil)
      for body in ["one", "two"] {
        try await channel.publish(ByteBuffer(string: body), routingKey: queue.name)
      }
      try await channel.confirmSelect()  // a round trip: both publishes are in the queue
      let first = try #require(try await channel.get(queue: queue.name))
      #expect(String(buffer: first.body) == "one")
      #expect(first.messageCount == 1)
      try await channel.nack(deliveryTag: first.deliveryTag, requeue: true)
      let again = try #require(try await channel.get(queue: queue.name))
      #expect(String(buffer: again.body) == "one" && again.redelivered)
      try await channel.reject(deliveryTag: again.deliveryTag, requeue: false)
      let second = try #require(try await channel.get(queue: queue.name))
      #expect(String(buffer: second.body) == "two")
      try await channel.recover(requeue: true)
      let recovered = try #require(try await channel.get(queue: queue.name, noAck: true))
      #expect(String(buffer: recovered.body) == "two" && recovered.redelivered)
      #expect(try await channel.get(queue: queue.name) == nil)
      try await connection.close()
    }

    @Test func prefetchLimitsUnackedDeliveries() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      for index in 0..<5 {
        try await channel.publish(ByteBuffer(string: "\(index)"), routingKey: queue.name)
      }
      try await channel.basicQos(prefetchCount: 2)
      let consumer = try await channel.consume(queue: queue.name)
      var iterator = consumer.makeAsyncIterator()
      let first = try #require(try await iterator.next())
      _ = try #require(try await iterator.next())
      // With two unacked the broker holds the rest back.
      let info = try await channel.queueDeclare(queue.name, passive: true)
      #expect(info.messageCount == 3)
      try await channel.ack(deliveryTag: first.deliveryTag, multiple: false)
      _ = try #require(try await iterator.next())
      try await connection.close()
    }

    @Test func exchangeToExchangeBindingRoutes() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let source = Broker.uniqueName("src")
      let destination = Broker.uniqueName("dst")
      try await channel.exchangeDeclare(source, type: "fanout", autoDelete: true)
      try await channel.exchangeDeclare(destination, type: "fanout", autoDelete: true)
      try await channel.exchangeBind(destination: destination, source: source)
      let queue = try await channel.queueDeclare(exclusive: true)
      try await channel.queueBind(queue.name, exchange: destination)
      try await channel.publish(ByteBuffer(string: "hop"), exchange: source, routingKey: "")
      let consumer = try await channel.consume(queue: queue.name, noAck: true)
      var deliveries = consumer.makeAsyncIterator()
      #expect(try await deliveries.next().map { String(buffer: $0.body) } == "hop")
      try await channel.exchangeUnbind(destination: destination, source: source)
      try await connection.close()
    }

    @Test func stoppingIterationCancelsTheConsumer() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      do {
        let consumer = try await channel.consume(queue: queue.name, noAck: true)
        var deliveries = consumer.makeAsyncIterator()
        try await channel.publish(ByteBuffer(string: "x"), routingKey: queue.name)
        _ = try await deliveries.next()
      }
      // The sequence is gone; its consumer must disappear from the broker.
      try await withTimeout(10, "the consumer to be cancelled") {
        while try await channel.queueDeclare(queue.name, passive: true).consumerCount > 0 {
          await Task.yield()
        }
      }
      try await connection.close()
    }

    @Test func transactionsCommitAndRollBack() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      try await channel.txSelect()
      try await channel.publish(ByteBuffer(string: "kept"), routingKey: queue.name)
      try await channel.txCommit()
      try await channel.publish(ByteBuffer(string: "dropped"), routingKey: queue.name)
      try await channel.txRollback()
      #expect(try await channel.queueDeclare(queue.name, passive: true).messageCount == 1)
      try await connection.close()
    }
  }
}

extension BrokerTests.Messaging {
  /// A no-ack consumer with a tiny buffer makes the connection pause and resume reading many
  /// times; every message must still arrive, in order.
  @Test func smallConsumerBufferLosesNothing() async throws {
    let connection = try await Broker.connect()
    let channel = try await connection.openChannel()
    let queue = try await channel.queueDeclare(exclusive: true)
    try await channel.confirmSelect()
    for index in 0..<500 {
      try await channel.publish(ByteBuffer(string: "\(index)"), routingKey: queue.name)
    }
    _ = try await channel.publishConfirmed(ByteBuffer(string: "end"), routingKey: queue.name)
    let consumer = try await channel.consume(queue: queue.name, noAck: true, bufferSize: 4)
    var received: [String] = []
    for try await message in consumer {
      received.append(String(buffer: message.body))
      if received.count == 501 { break }
    }
    #expect(received == (0..<500).map { "\($0)" } + ["end"])
    try await connection.close()
  }
}
