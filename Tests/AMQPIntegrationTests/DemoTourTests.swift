import AMQPClient
import AMQPRPC
import NIOConcurrencyHelpers
import RPCDashboards
import Testing

@testable import RPCScreens

extension BrokerTests {
  /// rpc-demo's tour and header against the real broker, through its parts (no terminal).
  @Suite struct DemoTour {
    /// A client and a server on a queue of their own, each on its own connection.
    struct Pair {
      let client: RPCClient
      let server: RPCServer
      let connections: [AMQPConnection]

      init(workers: Int) async throws {
        let queue = Broker.uniqueName("tour")
        let serverConnection = try await Broker.connect(name: "tour-server")
        let clientConnection = try await Broker.connect(name: "tour-client")
        server = try await RPCServer.start(
          connection: serverConnection,
          configuration: RPCServerConfiguration(queue: queue, workers: workers),
          handler: .fibonacci(maximumN: 40))
        client = try await RPCClient.start(
          connection: clientConnection, configuration: RPCClientConfiguration(queue: queue))
        connections = [serverConnection, clientConnection]
      }

      func close() async throws {
        await server.shutdown()
        try await client.close()
        try await connections[0].openChannel().queueDelete(server.configuration.queue)
        for connection in connections { try await connection.close() }
      }
    }

    /// What was seen on the client and the server while one caption was up.
    struct Sighting: Sendable {
      var caption: String
      var mostInFlight = 0
      var mostBusy = 0
      /// Requests the first worker had answered, at the latest look.
      var firstWorkerAnswered = 0
    }

    /// F8 during the pause step: the worker the tour paused consumes again.
    @Test func stoppingTheTourWhileAWorkerIsPausedResumesIt() async throws {
      let pair = try await Pair(workers: 3)
      let captions = NIOLockedValueBox<[String]>([])
      let tour = RPCScreens.DemoTour(
        client: pair.client, server: pair.server,
        clientCommands: ClientCommandRunner(client: pair.client),
        serverCommands: ServerCommandRunner(server: pair.server), pace: .milliseconds(100),
        caption: { text in captions.withLockedValue { $0.append(text) } })
      let running = Task { try await tour.run(loop: false) }
      @Sendable func paused() -> Int {
        pair.server.stats().workers.count(where: { $0.state == .paused })
      }
      try await withTimeout(60, "the tour to pause a worker") {
        while paused() == 0 { try await Task.sleep(for: .milliseconds(5)) }  // a poll period
      }
      #expect(captions.withLockedValue { $0.last?.contains("is paused") == true })
      running.cancel()
      _ = await running.result
      #expect(paused() == 0, "\(pair.server.stats().workers.map(\.state))")
      try await pair.close()
    }

    @Test func everyStepKeepsCallsInFlightOrWorkersBusy() async throws {
      let pair = try await Pair(workers: 3)
      let sightings = NIOLockedValueBox<[Sighting]>([])
      let tour = RPCScreens.DemoTour(
        client: pair.client, server: pair.server,
        clientCommands: ClientCommandRunner(client: pair.client),
        serverCommands: ServerCommandRunner(server: pair.server), pace: .milliseconds(100),
        caption: { text in sightings.withLockedValue { $0.append(Sighting(caption: text)) } })
      let running = Task { try await tour.run(loop: false) }
      // Look at the state the screen shows, as often as a screen would and more, until the
      // tour ends; every look is credited to the caption up at the time.
      while sightings.withLockedValue({ $0.last?.caption.hasPrefix("Tour finished") != true }) {
        let client = pair.client.stats()
        let workers = pair.server.stats().workers
        let busy = workers.count(where: {
          if case .busy = $0.state { true } else { false }
        })
        sightings.withLockedValue { all in
          guard !all.isEmpty else { return }
          all[all.count - 1].mostInFlight = max(all[all.count - 1].mostInFlight, client.inFlight)
          all[all.count - 1].mostBusy = max(all[all.count - 1].mostBusy, busy)
          all[all.count - 1].firstWorkerAnswered = workers.first?.processed ?? 0
        }
        try await Task.sleep(for: .milliseconds(5))  // the sampling period of the looks
      }
      try await running.value

      let steps = sightings.withLockedValue { $0 }.filter { $0.caption.contains("/5 —") }
      #expect(steps.count == 6, "\(steps.map(\.caption))")
      for step in steps {
        #expect(step.mostInFlight > 0 || step.mostBusy > 0, "nothing moved: \(step)")
        if step.caption.contains("burst") || step.caption.contains("requests")
          || step.caption.contains("real ones")
        {
          // Several in flight at once, spread over more than one worker.
          #expect(step.mostInFlight >= 3, "\(step)")
          #expect(step.mostBusy >= 2, "\(step)")
        }
      }
      if let paused = steps.firstIndex(where: { $0.caption.contains("is paused") }),
        paused + 1 < steps.count
      {
        #expect(steps[paused + 1].caption.contains("resumed"))
        #expect(
          steps[paused + 1].firstWorkerAnswered > steps[paused].firstWorkerAnswered,
          "the resumed worker took none of the work sent after it resumed")
      } else {
        Issue.record("no pause step: \(steps.map(\.caption))")
      }
      #expect(pair.client.stats().count(.late) == 1)
      #expect(pair.client.stats().count(.unknown) == 1)
      try await pair.close()
    }

    @Test func consumerCountFollowsWorkerChangesWithoutWaitingForThePoll() async throws {
      let pair = try await Pair(workers: 3)
      let watch = ConsumerCountWatch()
      // An hour between polls: only the refreshes the changes ask for can move the count.
      let tasks = watch.start(pair.client, period: .seconds(3_600))
      let commands = ServerCommandRunner(
        server: pair.server, consumersChanged: { watch.refresh() })
      func waitForCount(_ expected: Int) async throws {
        try await withTimeout(10, "the consumer count to become \(expected)") {
          while watch.current != .some(.some(expected)) {
            try await Task.sleep(for: .milliseconds(20))  // polling the watch, bounded above
          }
        }
      }
      try await waitForCount(3)
      await commands.pause(1)
      try await waitForCount(2)
      try await commands.resume(1)
      try await waitForCount(3)
      commands.perform(.addWorker)
      try await waitForCount(4)
      commands.perform(.removeWorker(id: 2))
      try await waitForCount(3)
      for task in tasks { task.cancel() }
      try await pair.close()
    }
  }
}
