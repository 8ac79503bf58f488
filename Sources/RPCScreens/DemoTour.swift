import AMQPRPC
import NIOCore
import RPCDashboards

/// The guided tour of rpc-demo: single request, a burst spreading over the workers, a paused
/// worker and its return, a late reply, an unknown reply — each step captioned, each waiting
/// until what it shows has happened on the broker (bounded), then pausing so a person can
/// look. The sizes come from timing a few calls first (``ServiceProbe``, ``TourPlan``), so
/// that every step keeps calls in flight and workers busy for about ``stepLength``, in a
/// debug or a release build, on a slow or a fast machine.
struct DemoTour: Sendable {
  let client: RPCClient
  let server: RPCServer
  let clientCommands: ClientCommandRunner
  let serverCommands: ServerCommandRunner
  /// How long each step stays on screen after it completed.
  let pace: Duration
  /// How long each step keeps calls in flight and workers busy.
  var stepLength: Duration = .milliseconds(1_500)
  let caption: @Sendable (String) -> Void

  struct StepFailed: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs the tour once (or forever with `loop`) until cancelled.
  func run(loop: Bool) async throws {
    repeat {
      try await runOnce()
      caption(TourCaption.finished(loop: loop))
      if loop { try await Task.sleep(for: pace * 2) }
    } while loop && !Task.isCancelled
  }

  /// The n the demo's workers serve, as far as the tour goes (at most their bound).
  private var nRange: ClosedRange<Int> {
    let upper = max(0, server.fibonacci.maximumN)
    return min(10, upper)...upper
  }

  /// Workers consuming now (not paused, not stopping).
  private var consumingWorkers: Int {
    server.stats().workers.filter {
      switch $0.state {
      case .idle, .busy: true
      case .paused, .stopping, .stopped, .restoring: false
      }
    }.count
  }

  private func runOnce() async throws {
    caption(TourCaption.timing)
    let probe = ServiceProbe(client: client, work: server.fibonacci.work, nRange: nRange)
    let model = try await probe.measure()
    let workers = consumingWorkers
    let plan = TourPlan(
      model: model, slowdown: try await probe.slowdown(of: model, workers: workers),
      workers: workers, nRange: nRange, stepLength: stepLength)
    let queue = client.configuration.queue

    caption(TourCaption.single(n: plan.single, queue: queue))
    try await expect("the reply to fib(\(plan.single))", calls: 1) {
      clientCommands.send([plan.single])
    }

    caption(
      TourCaption.burst(count: plan.burst.count, n: plan.burst.n, prefetch: server.prefetch))
    try await send(plan.burst, what: "the burst")

    let ids = server.workerIDs
    if let first = ids.first, ids.count > 1 {
      caption(TourCaption.paused(worker: first, count: plan.paused.count))
      await serverCommands.pause(first)
      do {
        try await send(plan.paused, what: "the requests while w\(first) is paused")
      } catch {
        // Stopped (F8) or failed mid-step: the worker the tour paused consumes again, in a
        // task of its own, which the tour's cancellation does not reach.
        let commands = serverCommands
        await Task { try? await commands.resume(first) }.value
        throw error
      }
      try await serverCommands.resume(first)
      caption(TourCaption.resumed(worker: first, count: plan.resumed.count))
      try await send(plan.resumed, what: "the requests after w\(first) resumed")
    }

    caption(TourCaption.late(n: plan.late))
    try await expect(
      "a late reply", action: { clientCommands.sendLate(plan.late) },
      done: { $0.count(.late) >= $1.count(.late) + 1 })

    caption(TourCaption.unknown(among: plan.backdrop.count))
    try await expect(
      "an unknown reply",
      action: {
        clientCommands.send(Array(repeating: plan.backdrop.n, count: plan.backdrop.count))
        _ = clientCommands.perform(.injectUnknownReply)
      },
      done: {
        $0.count(.unknown) >= $1.count(.unknown) + 1
          && ended($0) >= ended($1) + plan.backdrop.count
      })
  }

  /// Sends `batch` and waits until every call of it ended.
  private func send(_ batch: TourPlan.Batch, what: String) async throws {
    try await expect(what, calls: batch.count) {
      clientCommands.send(Array(repeating: batch.n, count: batch.count))
    }
  }

  /// Runs `action` and waits until `calls` more calls ended.
  private func expect(_ what: String, calls: Int, action: () -> Void) async throws {
    try await expect(what, action: action) { ended($0) >= ended($1) + calls }
  }

  /// Calls ended, whatever their outcome.
  private func ended(_ stats: RPCClientStats) -> Int { stats.sent - stats.inFlight }

  /// Runs `action`, waits (bounded, polling the stats) until `done(now, before)` holds, then
  /// leaves the result on screen for the pace.
  private func expect(
    _ what: String, action: () -> Void,
    done: @escaping (RPCClientStats, RPCClientStats) -> Bool
  ) async throws {
    let before = client.stats()
    action()
    let deadline = ContinuousClock.now + .seconds(60)
    while !done(client.stats(), before) {
      guard ContinuousClock.now < deadline else {
        throw StepFailed(description: "the tour waited 60 s for \(what) in vain")
      }
      try await Task.sleep(for: .milliseconds(50))  // polling the stats, bounded above
    }
    try await Task.sleep(for: pace)  // time to look
  }
}
