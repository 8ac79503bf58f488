import AMQPRPC
import NIOConcurrencyHelpers
import NIOCore

/// The load generator on the callback API: each of the `inflight` slots of a client starts
/// its next call from the completion of the previous one, on the connection's event loop —
/// no task and no hop per call, like an event-driven C client.
final class CallbackLoad: Sendable {
  private struct State: Sendable {
    var issued = 0
    var stopped = false
    var activeSlots = 0
    var start: (clock: NIODeadline, cpu: Double)?
    var done: CheckedContinuation<Void, Never>?
  }

  let clients: [RPCClient]
  let inflight: Int
  let n: Int
  /// Whether calls are marked idempotent (sent again after a lost link).
  let idempotent: Bool
  let warmup: Int
  let total: Int
  let duration: TimeAmount?
  let recorder: BenchRecorder
  private let state = NIOLockedValueBox(State())

  init(
    clients: [RPCClient], inflight: Int, n: Int, idempotent: Bool, warmup: Int, count: Int?,
    duration: TimeAmount, recorder: BenchRecorder
  ) {
    self.clients = clients
    self.inflight = inflight
    self.n = n
    self.idempotent = idempotent
    self.warmup = warmup
    self.total = warmup + (count ?? Int.max / 2)
    self.duration = count == nil ? duration : nil
    self.recorder = recorder
  }

  func run() async -> LoadGenerator.Result {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
      state.withLockedValue {
        $0.done = done
        $0.activeSlots = clients.count * inflight
      }
      for client in clients {
        for _ in 0..<inflight { issue(on: client) }
      }
    }
    let end = NIODeadline.now()
    let cpu = ProcessMetrics.cpuSeconds()
    guard let start = state.withLockedValue({ $0.start }) else {
      return LoadGenerator.Result(measured: 0, seconds: 0, cpuSeconds: 0)
    }
    return LoadGenerator.Result(
      measured: recorder.snapshot.measuredReplies,
      seconds: Double((end - start.clock).nanoseconds) / 1e9, cpuSeconds: cpu - start.cpu)
  }

  private func issue(on client: RPCClient) {
    let (number, finished) = state.withLockedValue {
      state -> (Int?, CheckedContinuation<Void, Never>?) in
      if let duration, let start = state.start, NIODeadline.now() - start.clock >= duration {
        state.stopped = true
      }
      guard !state.stopped, state.issued < total else {
        state.activeSlots -= 1
        guard state.activeSlots == 0, let done = state.done else { return (nil, nil) }
        state.done = nil
        return (nil, done)
      }
      state.issued += 1
      return (state.issued, nil)
    }
    guard let number else {
      finished?.resume()
      return
    }
    if number == warmup + 1 {
      state.withLockedValue { $0.start = (.now(), ProcessMetrics.cpuSeconds()) }
    }
    recorder.sent()
    let begin = NIODeadline.now()
    client.fibonacci(n, idempotent: idempotent) { [self] result in
      switch result {
      case .success:
        recorder.replied(latency: .now() - begin, measured: number > warmup)
        issue(on: client)
      case .failure(let error):
        recorder.failed(timedOut: error.code == .timedOut)
        // Go round the event loop, so a burst of immediate failures cannot nest calls.
        client.connection.eventLoop.execute { self.issue(on: client) }
      }
    }
  }
}
