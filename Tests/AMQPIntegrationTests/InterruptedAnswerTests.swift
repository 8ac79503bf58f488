import AMQPClient
import AMQPRPC
import NIOConcurrencyHelpers
import Testing

extension BrokerTests {
  /// An answer finished after the worker's link was lost is not sent and not counted as
  /// processed: the broker requeued the request, and it is answered once, after recovery.
  @Suite(.serialized) struct InterruptedAnswer {
    @Test func anAnswerFinishedAfterTheLinkWasLostIsNotSentNorCounted() async throws {
      let name = Broker.uniqueName("interrupted-answer-server")
      let serverConnection = try await Broker.connect(name: name, recovery: .fast)
      let queue = Broker.uniqueName("interrupted-answer")
      // The first delivery waits until the test lets it go; later ones answer at once.
      let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
      let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
      let deliveries = NIOLockedValueBox(0)
      let server = try await RPCServer.start(
        connection: serverConnection, configuration: RPCServerConfiguration(queue: queue),
        handler: RPCHandler { request in
          if deliveries.withLockedValue({
            $0 += 1
            return $0
          }) == 1 {
            startedContinuation.yield()
            for await _ in release { break }
          }
          return RPCServerResponse(text: "answer to " + request.text)
        })
      let events = server.events()
      let notices = server.notices()
      let clientConnection = try await Broker.connect(name: Broker.uniqueName("interrupted-c"))
      let client = try await RPCClient.start(
        connection: clientConnection, configuration: RPCClientConfiguration(queue: queue))
      let call = Task { try await client.call("once", timeout: .seconds(30)) }
      _ = try await withTimeout(10, "the handler to start") {
        for await _ in started { return true }
        return false
      }
      try await BrokerFaults.closeConnection(named: name)
      _ = try await withTimeout(30, "the server to recover") {
        for await notice in notices {
          if case .connection(.recovered) = notice { return true }
        }
        return false
      }
      releaseContinuation.yield()  // the first handling ends now, on a link that is gone
      let reply = try await call.value
      #expect(reply.value == "answer to once")
      let outcomes = try await withTimeout(10, "two server events") {
        var outcomes: [RPCServerEvent.Outcome] = []
        for await event in events {
          outcomes.append(event.outcome)
          if outcomes.count == 2 { break }
        }
        return outcomes
      }
      #expect(outcomes.contains(.interrupted))
      #expect(outcomes.contains(.answered(value: "answer to once")))
      let totals = server.stats().all
      #expect(totals.processed == 1 && totals.interrupted == 1 && totals.handled == 1)
      #expect(server.handledCount == 1)
      // One reply reached the client: none discarded as a duplicate.
      #expect(client.stats().count(.duplicate) == 0 && client.stats().count(.ok) == 1)
      try await client.close()
      await server.shutdown(gracePeriod: .zero)
      try await clientConnection.openChannel().queueDelete(queue)
      try await clientConnection.close()
      try await serverConnection.close()
    }
  }
}
