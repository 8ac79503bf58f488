import AMQPRPC
import NIOCore

/// The guided tour of rpc-demo: single request, a burst spreading over the workers, a paused
/// worker, a late reply, an unknown reply — each step captioned, each waiting until what it
/// shows has happened on the broker (bounded), then pausing so a person can look.
struct DemoTour: Sendable {
  let client: RPCClient
  let server: RPCServer
  let clientCommands: ClientCommandRunner
  let serverCommands: ServerCommandRunner
  /// How long each step stays on screen after it completed.
  let pace: Duration
  let caption: @Sendable (String) -> Void

  struct StepFailed: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs the tour once (or forever with `loop`) until cancelled.
  func run(loop: Bool) async throws {
    repeat {
      try await runOnce()
      caption(
        "Tour finished. "
          + (loop ? "It starts again in a moment — F8 stops it." : "F8 runs it again."))
      if loop { try await Task.sleep(for: pace * 2) }
    } while loop && !Task.isCancelled
  }

  private func runOnce() async throws {
    let queue = client.configuration.queue
    caption(
      "Tour 1/5 — one request: fib(30) goes to \(queue) with reply_to = \(client.callbackQueue) "
        + "and a fresh correlation id. Watch it in flight, then completed.")
    try await expect(
      "the reply to fib(30)", action: { _ = clientCommands.perform(.send([30])) },
      done: {
        $0.count(.ok) + $0.count(.serverError) >= $1.count(.ok) + $1.count(.serverError) + 1
      })

    caption(
      "Tour 2/5 — a burst of 40 × fib(25): with prefetch \(server.prefetch) each worker holds one "
        + "request at a time, so the broker spreads them over every worker.")
    try await expect(
      "the burst", action: { _ = clientCommands.perform(.send(Array(repeating: 25, count: 40))) },
      done: {
        $0.sent - $0.inFlight >= $1.sent - $1.inFlight + 40
      })

    if let first = server.workerIDs.first, server.workerIDs.count > 1 {
      caption(
        "Tour 3/5 — w\(first) is paused: its consumer is cancelled, so the broker sends the next "
          + "30 requests to the other workers only.")
      await server.pauseWorker(first)
      try await expect(
        "the burst", action: { _ = clientCommands.perform(.send(Array(repeating: 25, count: 30))) },
        done: {
          $0.sent - $0.inFlight >= $1.sent - $1.inFlight + 30
        })
      try await server.resumeWorker(first)
      caption("Tour 3/5 — w\(first) resumed: it consumes again and takes its share.")
      try await Task.sleep(for: pace / 2)
    }

    caption(
      "Tour 4/5 — a late reply: fib(27) with a 1 ms timeout. The call times out, the server still "
        + "answers, and the client discards that reply as late.")
    try await expect(
      "a late reply", action: { _ = clientCommands.perform(.sendLateRequest) },
      done: {
        $0.count(.late) >= $1.count(.late) + 1
      })

    caption(
      "Tour 5/5 — an unknown reply: a message with a correlation id that was never ours lands in "
        + "our callback queue; the client counts it and throws it away.")
    try await expect(
      "an unknown reply", action: { _ = clientCommands.perform(.injectUnknownReply) },
      done: { $0.count(.unknown) >= $1.count(.unknown) + 1 })
  }

  /// Runs `action`, waits (bounded, polling the stats) until `done(now, before)` holds, then
  /// leaves the result on screen for the pace.
  private func expect(
    _ what: String, action: () -> Void, done: @escaping (RPCClientStats, RPCClientStats) -> Bool
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
