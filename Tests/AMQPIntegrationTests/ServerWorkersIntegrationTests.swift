import AMQPClient
import AMQPRPC
import NIOCore
import Testing

/// A server's workers against the real broker: every request a worker holds is counted, and
/// a worker being removed (or drained) stays listed as stopping until it has answered and
/// acknowledged them; its counts then stay in the totals.
extension BrokerTests {
  @Suite struct ServerWorkers {
    /// fib(38) computed recursively takes about half a second in a debug build: long enough for
    /// four requests to be held at once, short enough for the test's time limit.
    static let n = 38
    static let answer = "39088169"

    struct Run {
      let connection: AMQPConnection
      let queue: String
      let server: RPCServer
      let client: RPCClient

      static func start(workers: Int) async throws -> Run {
        let connection = try await Broker.connect(name: "server-workers-test")
        let queue = Broker.uniqueName("rpc-held")
        let server = try await RPCServer.start(
          connection: connection,
          configuration: RPCServerConfiguration(
            queue: queue, workers: workers, prefetch: 4),
          handler: .fibonacci(maximumN: 45, work: .recursive))
        let client = try await RPCClient.start(
          connection: connection,
          configuration: RPCClientConfiguration(queue: queue, timeout: .seconds(50)))
        return Run(connection: connection, queue: queue, server: server, client: client)
      }

      /// Sends `count` requests of fib(n), published by our client.
      func send(_ count: Int) -> [Task<RPCReply, any Error>] {
        let client = self.client
        return (0..<count).map { _ in Task { try await client.fibonacci(ServerWorkers.n) } }
      }

      /// Waits for the first snapshot that `match` accepts, and returns it.
      func waitForStats(
        _ what: String, _ match: @escaping @Sendable (RPCServerStats) -> Bool
      ) async throws -> RPCServerStats {
        let server = self.server
        return try await withTimeout(30, what) {
          while true {
            let stats = server.stats()
            if match(stats) { return stats }
            try await Task.sleep(for: .milliseconds(2))  // polling a snapshot, not a delay
          }
        }
      }

      /// The queue's ready messages and consumers now.
      func queueInfo() async throws -> AMQPQueueInfo { try await server.queueStatus() }

      func stop() async throws {
        try await client.close()
        await server.shutdown()
        let channel = try await connection.openChannel()
        try await channel.queueDelete(queue)
        try await connection.close()
      }
    }

    @Test func aWorkerWithPrefetchFourShowsTheFourRequestsItHoldsAndStopsOnlyWhenTheyAreAnswered()
      async throws
    {
      let run = try await Run.start(workers: 1)
      let calls = run.send(4)
      let holding = try await run.waitForStats("the worker to hold 4 requests") {
        $0.workers.first?.held == 4
      }
      let worker = try #require(holding.workers.first)
      #expect(worker.prefetch == 4)
      guard case .busy(n: Self.n, _, _) = worker.state else {
        Issue.record("holding 4 requests but \(worker.state)")
        return
      }
      let removal = Task { await run.server.removeWorker(worker.id) }
      let stopping = try await run.waitForStats("the worker to show stopping") {
        $0.workers.first?.state == .stopping
      }
      let held = try #require(stopping.workers.first).held
      #expect(held > 0 && stopping.handled < 4, "stopping while it still holds requests")
      #expect(run.server.workerIDs.isEmpty, "no longer offered for pause or removal")
      #expect(await removal.value == worker.id)
      // Gone only now: each request answered and acknowledged, none back in the queue, and
      // the removed worker's counts kept in the totals.
      let after = run.server.stats()
      #expect(after.workers.isEmpty)
      #expect(after.retired == RPCWorkerTotals(processed: 4))
      #expect(after.handled == 4)
      let info = try await run.queueInfo()
      #expect(info.messageCount == 0 && info.consumerCount == 0)
      for call in calls { #expect(try await call.value.value == Self.answer) }
      try await run.stop()
    }

    @Test func drainingListsEveryWorkerAsStoppingWithWhatItHoldsUntilItHasEnded() async throws {
      let run = try await Run.start(workers: 2)
      let calls = run.send(6)
      _ = try await run.waitForStats("6 requests held") { $0.held == 6 }
      let shutdown = Task { await run.server.shutdown() }
      let draining = try await run.waitForStats("every worker stopping") {
        !$0.workers.isEmpty && $0.workers.allSatisfy { $0.state == .stopping }
      }
      #expect(draining.workers.count == 2)
      #expect(draining.held > 0 && draining.handled < 6)
      #expect(await shutdown.value == 0, "nothing requeued")
      let after = run.server.stats()
      #expect(after.workers.isEmpty && after.held == 0)
      #expect(after.retired == RPCWorkerTotals(processed: 6))
      for call in calls { #expect(try await call.value.value == Self.answer) }
      try await run.stop()
    }
  }
}
