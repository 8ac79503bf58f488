import AMQPClient
import AMQPProtocol
import AMQPRPC
import NIOCore
import Testing

extension BrokerTests {
  @Suite struct RPC {
    @Test func manyConcurrentCallsAllGetTheirOwnAnswer() async throws {
      let rpc = try await RPCFixture.start(workers: 4)
      let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
        for index in 0..<500 {
          let n = index % 90
          group.addTask { (n, try await rpc.client.fibonacci(n).value) }
        }
        return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
      }
      #expect(results.count == 500)
      for (n, value) in results { #expect(value == String(fibonacci(n, mode: .iterative))) }
      let stats = rpc.client.stats()
      #expect(stats.count(.ok) == 500 && stats.inFlight == 0)
      #expect(stats.latency.count == 500)
      try await rpc.stop()
    }

    @Test func callersPreferringTheConnectionsEventLoopResumeThere() async throws {
      guard #available(macOS 15.0, *) else { return }
      let rpc = try await RPCFixture.start(workers: 2)
      let eventLoop = rpc.connection.eventLoop
      let outcomes = try await withThrowingTaskGroup(of: (Bool, String).self) { group in
        for n in 0..<20 {
          group.addTask(executorPreference: rpc.connection.taskExecutor) {
            let reply = try await rpc.client.fibonacci(n)
            return (eventLoop.inEventLoop, reply.value)  // resumed where the reply arrived
          }
        }
        return try await group.reduce(into: [(Bool, String)]()) { $0.append($1) }
      }
      #expect(outcomes.count == 20)
      #expect(outcomes.allSatisfy { $0.0 })
      #expect(
        Set(outcomes.map(\.1)) == Set((0..<20).map { String(fibonacci($0, mode: .iterative)) }))
      #expect(rpc.client.stats().count(.ok) == 20)
      try await rpc.stop()
    }

    @Test func replyCarriesWorkerAndTimingSplit() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let reply = try await rpc.client.fibonacci(30)
      #expect(reply.value == "832040")
      #expect(reply.worker?.hasSuffix("/w1") == true)
      let timing = try #require(reply.timing)
      #expect(timing.service >= .zero)
      #expect(reply.roundTrip > .zero)
      try await rpc.stop()
    }

    @Test func callWithoutAnyWorkerTimesOutAndFreesItsEntry() async throws {
      let rpc = try await RPCFixture.start(workers: 0)
      let channel = try await rpc.connection.openChannel()
      try await channel.queueDeclare(rpc.queue)  // routable, but nobody consumes
      #expect(try await rpc.client.workersListening() == 0)
      let error = await #expect(throws: RPCError.self) {
        _ = try await rpc.client.fibonacci(5, timeout: .milliseconds(200))
      }
      #expect(error?.code == .timedOut)
      let stats = rpc.client.stats()
      #expect(stats.count(.timedOut) == 1 && stats.inFlight == 0)
      try await rpc.stop()
    }

    @Test func unroutableRequestFailsAtOnce() async throws {
      let rpc = try await RPCFixture.start(workers: 0)  // the queue does not exist
      #expect(try await rpc.client.workersListening() == nil)
      let error = await #expect(throws: RPCError.self) {
        // The timeout is long; the return must end the call well before it.
        _ = try await withTimeout(10, "the unroutable call") {
          try await rpc.client.fibonacci(5, timeout: .seconds(60))
        }
      }
      #expect(error?.code == .unroutable)
      #expect(rpc.client.stats().count(.unroutable) == 1)
      try await rpc.client.close()
      try await rpc.connection.close()
    }

    /// A deliberately slow handler of the test's own: it answers only after the client has
    /// timed the call out, so the reply is late; then it answers again, which is late too.
    @Test func replyAfterTheTimeoutIsDiscardedAsLate() async throws {
      let rpc = try await RPCFixture.start(workers: 0)
      let handlerChannel = try await rpc.connection.openChannel()
      try await handlerChannel.queueDeclare(rpc.queue)
      let requests = try await handlerChannel.consume(queue: rpc.queue, noAck: true)
      let events = rpc.client.events()
      let call = Task { try await rpc.client.fibonacci(7, timeout: .milliseconds(100)) }
      var iterator = requests.makeAsyncIterator()
      let request = try #require(try await iterator.next())
      let id = try #require(request.properties.correlationID)
      // Wait until the client gave up on this id…
      _ = try await rpc.client.waitForEvent(events, "the timeout") {
        if case .completed(id, .failure) = $0 { return true }
        return false
      }
      // …then answer.
      try await handlerChannel.publish(
        ByteBuffer(string: "13"), routingKey: try #require(request.properties.replyTo),
        properties: .init(correlationID: id))
      let discarded = try await rpc.client.waitForEvent(events, "the late discard") {
        if case .discarded(.late, id, _) = $0 { return true }
        return false
      }
      guard case .discarded(.late, _, let lateBy?) = discarded else {
        Issue.record("expected a late discard with its lateness")
        return
      }
      #expect(lateBy >= .zero)
      await #expect(throws: RPCError.self) { try await call.value }
      let stats = rpc.client.stats()
      #expect(stats.count(.late) == 1 && stats.count(.timedOut) == 1 && stats.count(.ok) == 0)
      try await rpc.stop()
    }

    @Test func secondReplyToAnAnsweredCallIsADuplicate() async throws {
      let rpc = try await RPCFixture.start(workers: 0)
      let handlerChannel = try await rpc.connection.openChannel()
      try await handlerChannel.queueDeclare(rpc.queue)
      let requests = try await handlerChannel.consume(queue: rpc.queue, noAck: true)
      let events = rpc.client.events()
      let call = Task { try await rpc.client.fibonacci(7) }
      var iterator = requests.makeAsyncIterator()
      let request = try #require(try await iterator.next())
      let id = try #require(request.properties.correlationID)
      let replyTo = try #require(request.properties.replyTo)
      for _ in 0..<2 {
        try await handlerChannel.publish(
          ByteBuffer(string: "13"), routingKey: replyTo, properties: .init(correlationID: id))
      }
      #expect(try await call.value.value == "13")
      _ = try await rpc.client.waitForEvent(events, "the duplicate") {
        if case .discarded(.duplicate, id, nil) = $0 { return true }
        return false
      }
      #expect(rpc.client.stats().count(.duplicate) == 1)
      try await rpc.stop()
    }

    @Test func foreignCorrelationIDIsDiscardedAsUnknown() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let events = rpc.client.events()
      let foreign = try await rpc.client.injectForeignReply()
      _ = try await rpc.client.waitForEvent(events, "the unknown discard") {
        if case .discarded(.unknown, foreign, nil) = $0 { return true }
        return false
      }
      #expect(rpc.client.stats().count(.unknown) == 1)
      #expect(try await rpc.client.fibonacci(10).value == "55")
      try await rpc.stop()
    }

    @Test func badInputGetsAnErrorReplyNeverACrash() async throws {
      let rpc = try await RPCFixture.start(workers: 1, maximumN: 45)
      let cases: [(String, RPCServerErrorKind)] = [
        ("abc", .invalidInput), ("", .invalidInput), ("-3", .negative), ("46", .tooLarge),
        ("99999999999999999999", .tooLarge), (String(repeating: "1", count: 100), .invalidInput),
      ]
      for (body, kind) in cases {
        let error = await #expect(throws: RPCError.self) {
          _ = try await rpc.client.call(body: body)
        }
        #expect(error?.code == .serverError, "body \"\(body)\"")
        #expect(error?.serverErrorKind == kind, "body \"\(body)\"")
      }
      // The worker is still serving.
      #expect(try await rpc.client.call(body: "12").value == "144")
      let worker = try #require(rpc.server?.stats().workers.first)
      #expect(worker.errors == cases.count && worker.processed == 1)
      try await rpc.stop()
    }

    @Test func requestWithoutReplyToIsRejectedNotRedelivered() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let server = try #require(rpc.server)
      let handled = server.events()
      let channel = try await rpc.connection.openChannel()
      try await channel.publish(
        ByteBuffer(string: "5"), routingKey: rpc.queue, properties: .init(correlationID: "orphan"))
      let event = try await withTimeout(15, "the rejection") { () -> RPCServerEvent? in
        for await event in handled { return event }
        return nil
      }
      guard case .rejected = event?.outcome else {
        Issue.record("expected a rejection, got \(String(describing: event))")
        return
      }
      // It is gone for good: nothing ready, nothing redelivered.
      #expect(try await channel.queueDeclare(rpc.queue, passive: true).messageCount == 0)
      #expect(try await rpc.client.fibonacci(5).value == "5")
      #expect(server.stats().workers.first?.rejected == 1)
      try await rpc.stop()
    }

    @Test func requestPastItsDeadlineIsAnsweredExpiredWithoutWork() async throws {
      let rpc = try await RPCFixture.start(workers: 1)
      let channel = try await rpc.connection.openChannel()
      let replies = try await channel.queueDeclare(exclusive: true)
      let consumer = try await channel.consume(queue: replies.name, noAck: true)
      try await channel.publish(
        ByteBuffer(string: "30"), routingKey: rpc.queue,
        properties: .init(
          headers: [RPCWire.deadlineHeader: .int64(1_000)], correlationID: "old",
          replyTo: replies.name))
      var iterator = consumer.makeAsyncIterator()
      let reply = try #require(try await iterator.next())
      #expect(reply.properties.correlationID == "old")
      #expect(reply.properties.headers?[RPCWire.errorKindHeader] == "expired")
      #expect(reply.body.readableBytes == 0)
      #expect(rpc.server?.stats().workers.first?.expired == 1)
      try await rpc.stop()
    }

    /// Every request ends in exactly one terminal state and the counters add up.
    @Test func accountingHoldsForTenThousandRequestsOverFourWorkers() async throws {
      let rpc = try await RPCFixture.start(workers: 4, timeout: .seconds(60))
      let outcomes = await withTaskGroup(of: String.self) { group in
        for index in 0..<10_000 {
          group.addTask {
            do {
              if index % 20 == 0 {
                _ = try await rpc.client.call(body: "bad")
              } else {
                _ = try await rpc.client.fibonacci(index % 50)
              }
              return "ok"
            } catch let error as RPCError {
              return error.code.rawValue
            } catch {
              return "other"
            }
          }
        }
        return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
      }
      #expect(outcomes == ["ok": 9_500, RPCError.Code.serverError.rawValue: 500])
      let stats = rpc.client.stats()
      #expect(stats.sent == 10_000)
      #expect(stats.inFlight == 0)
      #expect(stats.outcomes.values.reduce(0, +) + stats.inFlight == stats.sent)
      #expect(stats.count(.ok) == 9_500 && stats.count(.serverError) == 500)
      let server = try #require(rpc.server)
      #expect(server.stats().handled == 10_000)
      #expect(server.stats().workers.allSatisfy { $0.processed > 0 })
      try await rpc.stop()
    }

    @Test func removingWorkersMidBurstLosesNoRequest() async throws {
      let rpc = try await RPCFixture.start(workers: 3, timeout: .seconds(60))
      let server = try #require(rpc.server)
      let burst = Task {
        try await withThrowingTaskGroup(of: String.self) { group in
          for index in 0..<2_000 {
            group.addTask { try await rpc.client.fibonacci(index % 60).value }
          }
          return try await group.reduce(into: 0) { count, _ in count += 1 }
        }
      }
      // Remove two workers while the burst is being served.
      _ = try await rpc.client.waitForEvent(rpc.client.events(), "the burst to start") {
        if case .completed = $0 { return true }
        return false
      }
      let first = await server.removeWorker()
      let second = await server.removeWorker()
      #expect(first != nil && second != nil)
      #expect(server.workerIDs.count == 1)
      #expect(try await burst.value == 2_000)
      let stats = rpc.client.stats()
      #expect(stats.count(.ok) == 2_000 && stats.inFlight == 0)
      #expect(server.handledCount == 2_000)
      #expect(server.stats().handled == 2_000, "the removed workers' counts are kept")
      try await rpc.stop()
    }

    @Test func directReplyToModeWorks() async throws {
      let rpc = try await RPCFixture.start(workers: 2, directReplyTo: true)
      #expect(rpc.client.callbackQueue == "amq.rabbitmq.reply-to")
      let values = try await withThrowingTaskGroup(of: String.self) { group in
        for n in [10, 20, 30] { group.addTask { try await rpc.client.fibonacci(n).value } }
        return try await group.reduce(into: Set<String>()) { $0.insert($1) }
      }
      #expect(values == ["55", "6765", "832040"])
      try await rpc.stop()
    }

    @Test func serverAdoptsAnExistingQuorumQueueInsteadOfClashing() async throws {
      let connection = try await Broker.connect()
      let queue = Broker.uniqueName("quorum")
      let channel = try await connection.openChannel()
      try await channel.queueDeclare(queue, durable: true, arguments: ["x-queue-type": "quorum"])
      let server = try await RPCServer.start(
        connection: connection,
        configuration: RPCServerConfiguration(queue: queue, workers: 1, queueType: .classic),
        handler: .fibonacci())
      #expect(server.queue.declaredType == nil)
      let client = try await RPCClient.start(
        connection: connection, configuration: RPCClientConfiguration(queue: queue))
      #expect(try await client.fibonacci(20).value == "6765")
      try await client.close()
      await server.shutdown()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func ourClientTalksToATutorialPikaServer() async throws {
      let queue = Broker.uniqueName("pika-server")
      let peer = try ChildProcess.python("pika_rpc_server.py", [queue])
      defer { peer.stop() }
      _ = try await peer.waitForOutput(containing: "ready")
      let connection = try await Broker.connect()
      let client = try await RPCClient.start(
        connection: connection,
        configuration: RPCClientConfiguration(queue: queue, timeout: .seconds(20)))
      let reply = try await client.fibonacci(30)
      #expect(reply.value == "832040")
      #expect(reply.worker == nil && reply.timing == nil)  // tutorial servers send no headers
      try await client.close()
      let channel = try await connection.openChannel()
      peer.stop()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func tutorialPikaClientTalksToOurServer() async throws {
      let connection = try await Broker.connect()
      let queue = Broker.uniqueName("pika-client")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .fibonacci())
      let peer = try ChildProcess.python("pika_rpc_client.py", [queue, "10", "30"])
      defer { peer.stop() }
      let (status, output) = try await peer.finish()
      #expect(status == 0, "pika client said: \(output)")
      #expect(output.contains("fib(10) = 55"))
      #expect(output.contains("fib(30) = 832040"))
      #expect(server.handledCount == 2)
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}

extension BrokerTests.RPC {
  @Test func cancelledCallThrowsCancellationErrorCountsAsCancelledAndFreesItsEntry()
    async throws
  {
    let rpc = try await RPCFixture.start(workers: 0)
    let channel = try await rpc.connection.openChannel()
    try await channel.queueDeclare(rpc.queue)  // nobody answers
    let events = rpc.client.events()
    let call = Task { try await rpc.client.fibonacci(5, timeout: .seconds(60)) }
    _ = try await rpc.client.waitForEvent(events, "the request to go out") {
      if case .sent = $0 { return true }
      return false
    }
    call.cancel()
    await #expect(throws: CancellationError.self) { try await call.value }
    let stats = rpc.client.stats()
    #expect(stats.count(.cancelled) == 1 && stats.inFlight == 0 && stats.sent == 1)
    try await rpc.stop()
  }

  @Test func lostConnectionFailsEveryWaitingCall() async throws {
    let rpc = try await RPCFixture.start(workers: 0)
    let channel = try await rpc.connection.openChannel()
    try await channel.queueDeclare(rpc.queue, autoDelete: true)
    let events = rpc.client.events()
    let calls = (0..<5).map { n in Task { try await rpc.client.fibonacci(n, timeout: .seconds(60)) }
    }
    try await withTimeout(15, "five requests to go out") {
      var sent = 0
      for await event in events {
        if case .sent = event { sent += 1 }
        if sent == 5 { return }
      }
    }
    try await rpc.connection.close()
    for call in calls {
      let error = await #expect(throws: RPCError.self) { try await call.value }
      #expect(error?.code == .connectionLost)
    }
    let stats = rpc.client.stats()
    #expect(stats.count(.connectionLost) == 5 && stats.inFlight == 0)
  }
}

extension BrokerTests.RPC {
  @Test func callbackAPIChainsCallsFromCompletions() async throws {
    let rpc = try await RPCFixture.start(workers: 2)
    let client = rpc.client
    // Ten calls, each started from the previous one's completion.
    let values = try await withTimeout(15, "the chained calls") {
      await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
        @Sendable func next(_ n: Int, _ collected: [String]) {
          guard n < 10 else { return done.resume(returning: collected) }
          client.fibonacci(n) { result in
            next(n + 1, collected + [(try? result.get().value) ?? "failed"])
          }
        }
        next(0, [])
      }
    }
    #expect(values == (0..<10).map { String(fibonacci($0, mode: .iterative)) })
    let failure = await withCheckedContinuation { (done: CheckedContinuation<RPCError?, Never>) in
      client.fibonacci(1, timeout: .milliseconds(1)) { done.resume(returning: $0.failure) }
    }
    // A 1 ms timeout usually loses the race; either way the outcome is counted exactly once.
    #expect(failure == nil || failure?.code == .timedOut)
    let stats = client.stats()
    #expect(stats.sent == 11 && stats.inFlight == 0)
    try await rpc.stop()
  }
}

extension Result {
  fileprivate var failure: Failure? {
    if case .failure(let error) = self { return error }
    return nil
  }
}
