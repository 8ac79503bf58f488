import AMQPClient
import AMQPProtocol
import AMQPRPC
import NIOCore
import Testing

extension BrokerTests {
  /// What the client keeps of each call through the real broker: the request as it went out,
  /// the reply as it came back, a discarded reply as it came; the workers' held ids.
  @Suite struct CallRecords {
    @Test func anEndedCallCarriesItsRequestAsPublishedAndItsReplyAsReceived() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let reply = try await rpc.client.fibonacci(20)
      let call = try #require(
        rpc.client.stats().recentlyEnded.last { $0.correlationID == reply.correlationID })
      let request = try #require(call.request)
      #expect(request.properties.correlationID == reply.correlationID)
      #expect(request.properties.replyTo == rpc.client.callbackQueue)
      #expect(request.properties.replyTo?.hasPrefix("amq.gen-") == true)
      #expect(request.properties.expiration == "20000")
      #expect(request.properties.contentType == "text/plain")
      let deadline = request.properties.headers?[RPCWire.deadlineHeader]?.intValue
      #expect(deadline == request.publishedAtMicroseconds + 20_000_000)
      #expect(String(buffer: request.body) == "20")
      #expect(request.routingKey == rpc.queue)
      #expect(request.sendCount == 1)
      let received = try #require(call.reply)
      #expect(received.properties.headers?[RPCWire.workerHeader]?.stringValue == reply.worker)
      #expect(received.properties.headers?[RPCWire.receivedHeader] != nil)
      #expect(String(buffer: received.body) == "6765")
      #expect(!received.redelivered)
      // Our clocks: published ≤ received ≤ ended, within the round trip.
      let ended = try #require(call.endedAtMicroseconds)
      #expect(request.publishedAtMicroseconds <= received.receivedAtMicroseconds)
      #expect(ended - request.publishedAtMicroseconds < 20_000_000)
      try await rpc.stop()
    }

    @Test func aDiscardedReplyCarriesItsPropertiesAndBody() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let events = rpc.client.events()
      let foreign = try await rpc.client.injectForeignReply()
      _ = try await rpc.client.waitForEvent(events, "the unknown discard") {
        if case .discarded(.unknown, foreign, nil) = $0 { return true }
        return false
      }
      let discarded = try #require(rpc.client.stats().recentlyDiscarded.last)
      #expect(discarded.correlationID == foreign)
      let message = try #require(discarded.message)
      #expect(message.properties.correlationID == foreign)
      #expect(String(buffer: message.body) == "0")
      #expect(message.receivedAtMicroseconds > 0)
      try await rpc.stop()
    }

    @Test func aWorkerListsTheIdsItHolds() async throws {
      // One worker with prefetch 4, and fib(38) four times: it computes one and holds the
      // others behind it.
      let connection = try await Broker.connect(name: "rpc-held-ids")
      let queue = Broker.uniqueName("rpc-held")
      let server = try await RPCServer.start(
        connection: connection,
        configuration: RPCServerConfiguration(queue: queue, workers: 1, prefetch: 4),
        handler: .fibonacci(work: .recursive))
      let client = try await RPCClient.start(
        connection: connection, configuration: RPCClientConfiguration(queue: queue))
      let calls = (0..<4).map { _ in Task { try await client.fibonacci(32) } }
      let held = try await withTimeout(15, "the worker to hold all four") {
        while true {
          let worker = server.stats().workers.first
          if let worker, worker.held == 4 { return worker }
          try await Task.sleep(for: .milliseconds(5))  // polling a snapshot, bounded above
        }
      }
      let sent = Set(client.stats().oldestInFlight.map(\.correlationID))
      #expect(Set(held.heldCorrelationIDs) == sent)
      if case .busy(_, let computing, _) = held.state {
        #expect(held.heldCorrelationIDs.first == computing)
      }
      for call in calls { _ = try await call.value }
      #expect(server.stats().workers.first?.heldCorrelationIDs.isEmpty == true)
      try await client.close()
      await server.shutdown()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
