import AMQPClient
import AMQPRPC
import Foundation
import NIOCore
import Testing

/// Faults under a steady stream of calls to 4 workers: both sides recover unaided, every
/// call sent ends in exactly one class, and a new call succeeds afterwards. Each test prints
/// its figures (sent, ok, the classes, the recovery time) for the record.
extension BrokerTests {
  @Suite struct RPCFaults {
    func report(_ fault: String, _ stats: RPCClientStats, recoveredIn: Duration) {
      let classes = stats.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }
        .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
      print(
        "fault \(fault): sent \(stats.sent), accounted \(stats.outcomes.values.reduce(0, +)) "
          + "(\(classes)); discarded \(stats.discarded); recovered in \(recoveredIn)")
    }

    @Test func clientConnectionClosedByTheBrokerIsRecovered() async throws {
      let run = try await FaultRun.start()
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      // Two calls surely in flight at the fault (the workers are paused): a plain one ends
      // as connection lost, an idempotent one is sent again with the same correlation id and
      // answered once the workers resume.
      for id in run.server.workerIDs { await run.server.pauseWorker(id) }
      let client = run.client
      let plain = Task { try await client.fibonacci(30) }
      let idempotent = Task { try await client.fibonacci(30, idempotent: true) }
      try await withTimeout(10, "two calls in flight") {
        while client.stats().oldestInFlight.filter({ $0.n == 30 }).count < 2 { await Task.yield() }
      }
      let started = ContinuousClock.now
      try await BrokerFaults.closeConnection(named: run.clientName, reason: "fault test")
      let lost = try await run.clientEvent("lost") {
        if case .lost = $0 { true } else { false }
      }
      guard case .lost(let reason, let failed, let resent) = lost else { return }
      #expect(reason.contains("fault test"))
      #expect(failed >= 1 && resent == 1)
      for id in run.server.workerIDs { _ = try await run.server.resumeWorker(id) }
      let recovered = try await run.clientEvent("recovered") {
        if case .recovered = $0 { true } else { false }
      }
      let took = ContinuousClock.now - started
      // The callback queue was exclusive to the old connection: requests now name the new one.
      guard case .recovered(_, let replyTo, _) = recovered else { return }
      #expect(replyTo == run.client.callbackQueue)
      let lostCall = await #expect(throws: RPCError.self) { try await plain.value }
      #expect(lostCall?.code == .connectionLost)
      let answer = try await idempotent.value
      #expect(answer.value == "832040")
      // The client keeps the request as last sent: twice, naming the new callback queue.
      let resentCall = client.stats().recentlyEnded.last {
        $0.correlationID == answer.correlationID
      }
      #expect(resentCall?.request?.sendCount == 2)
      #expect(resentCall?.request?.properties.replyTo == replyTo)
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 3)
      #expect((stats.outcomes[.connectionLost] ?? 0) >= 1)
      report("close_connection (client)", stats, recoveredIn: took)
      try await run.stop()
    }

    @Test func workerConnectionClosedByTheBrokerIsRecoveredAndItsRequestsAnswered() async throws {
      let run = try await FaultRun.start()
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      let started = ContinuousClock.now
      try await BrokerFaults.closeConnection(named: run.serverName, reason: "fault test")
      _ = try await run.serverNotice("server recovered") {
        if case .connection(.recovered) = $0 { true } else { false }
      }
      let took = ContinuousClock.now - started
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 1)
      // Requests held by the workers went back to the queue and were answered after recovery.
      #expect(stats.outcomes[.timedOut] == nil)
      #expect(stats.outcomes[.connectionLost] == nil)
      report("close_connection (server)", stats, recoveredIn: took)
      try await run.stop()
    }

    @Test func deletedRequestQueueIsDeclaredAgainAndConsumedByEveryWorker() async throws {
      let run = try await FaultRun.start()
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      let started = ContinuousClock.now
      try await BrokerFaults.deleteQueue(run.queue)
      var restored: Set<String> = []
      while restored.count < 4 {
        let notice = try await run.serverNotice("workers consuming again") {
          if case .consumerRestored = $0 { true } else { false }
        }
        if case .consumerRestored(let worker, _) = notice { restored.insert(worker) }
      }
      let took = ContinuousClock.now - started
      #expect(run.server.stats().workers.allSatisfy { $0.state == .idle || isBusy($0.state) })
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 1)
      report("rpc queue deleted", stats, recoveredIn: took)
      try await run.stop()
    }

    @Test func deletedCallbackQueueIsReplacedAndNewCallsNameTheNewOne() async throws {
      let run = try await FaultRun.start()
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      let old = run.client.callbackQueue
      let started = ContinuousClock.now
      try await BrokerFaults.deleteQueue(old)
      let replaced = try await run.clientEvent("callback queue replaced") {
        if case .callbackQueueReplaced = $0 { true } else { false }
      }
      let took = ContinuousClock.now - started
      guard case .callbackQueueReplaced(let was, let new, _) = replaced else { return }
      #expect(was == old)
      #expect(new != old && new == run.client.callbackQueue)
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 1)
      report("callback queue deleted", stats, recoveredIn: took)
      try await run.stop()
    }

    /// A fault that takes the broker away under both sides: each recovers unaided.
    func brokerOutage(
      _ fault: String, run: FaultRun, _ inject: () async throws -> Void
    ) async throws {
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      let started = ContinuousClock.now
      try await inject()
      _ = try await run.clientEvent("client recovered", within: 45) {
        if case .recovered = $0 { true } else { false }
      }
      _ = try await run.serverNotice("server recovered", within: 45) {
        if case .connection(.recovered) = $0 { true } else { false }
      }
      let took = ContinuousClock.now - started
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 1)
      // A request the broker could not route because the server had not declared the queue
      // again yet (its recovery may end after the client's) waits for it.
      #expect(stats.outcomes[.unroutable] == nil, "\(stats.outcomes)")
      report(fault, stats, recoveredIn: took)
    }

    @Test func brokerStopAppAndStartAppIsSurvivedByBothSides() async throws {
      try await BrokerFaults.withBrokerRestored {
        let run = try await FaultRun.start()
        try await brokerOutage("stop_app/start_app", run: run) {
          try await BrokerFaults.stopApp()
          try await BrokerFaults.startApp()
        }
        try await run.stop()
      }
    }

    @Test func brokerKilledAndStartedAgainIsSurvivedByBothSides() async throws {
      try await BrokerFaults.withBrokerRestored {
        let run = try await FaultRun.start()
        try await brokerOutage("broker SIGKILL and restart", run: run) {
          _ = try await BrokerFaults.killBroker()
          try await BrokerFaults.startBroker()
        }
        try await run.stop()
      }
    }

    @Test(SilentNetwork.enabled)
    func silentNetworkIsDetectedByHeartbeatsOnBothSidesAndRecovered() async throws {
      try await SilentNetwork.up()
      let run = try await FaultRun.start(heartbeat: 2, broker: SilentNetwork.configuration())
      try await SilentNetwork.withLinkRestored {
        try await brokerOutage("silent network (heartbeat 2 s)", run: run) {
          try await SilentNetwork.linkDown()
          // No FIN, no RST: only heartbeats can tell; both sides must notice.
          let lost = try await run.clientEvent("client heartbeat timeout", within: 15) {
            if case .lost = $0 { true } else { false }
          }
          guard case .lost(let reason, _, _) = lost else { return }
          #expect(reason.contains("no traffic"), "\(reason)")
          _ = try await run.serverNotice("server heartbeat timeout", within: 15) {
            if case .connection(.disconnected) = $0 { true } else { false }
          }
          try await SilentNetwork.linkUp()
        }
      }
      try await run.stop()
    }

    @Test func memoryAlarmHoldsCallsBackWithoutLosingAny() async throws {
      let run = try await FaultRun.start()
      let stream = run.steadyStream()
      _ = try await run.client.fibonacci(5)
      let started = ContinuousClock.now
      try await BrokerFaults.raiseMemoryAlarm()
      do {
        let blocked = try await run.clientEvent("blocked") {
          if case .blocked = $0 { true } else { false }
        }
        guard case .blocked(let reason) = blocked else { return }
        #expect(reason.contains("memory"))
      } catch {
        try await BrokerFaults.clearMemoryAlarm()
        throw error
      }
      try await BrokerFaults.clearMemoryAlarm()
      _ = try await run.clientEvent("unblocked") {
        if case .unblocked = $0 { true } else { false }
      }
      let took = ContinuousClock.now - started
      let stats = try await run.expectAccountedAndWorking(sent: await stream.stop() + 1)
      #expect(Set(stats.outcomes.keys) == [.ok], "nothing lost while blocked: \(stats.outcomes)")
      report("memory alarm", stats, recoveredIn: took)
      try await run.stop()
    }
  }
}

private func isBusy(_ state: RPCWorkerStats.State) -> Bool {
  if case .busy = state { return true }
  return false
}
