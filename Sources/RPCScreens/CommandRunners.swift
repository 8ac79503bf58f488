import AMQPRPC
import NIOConcurrencyHelpers
import RPCDashboards

/// Carries out what the client panels ask for. Calls run as tasks; their results come back
/// through the client's event stream.
struct ClientCommandRunner: Sendable {
  let client: RPCClient
  let timeout: NIOLockedValueBox<Duration>
  private let closed = NIOLockedValueBox(false)
  /// Whether fib calls are marked idempotent (sent again after a lost link).
  let idempotent: Bool
  /// Writes the exports asked for; its notices go on screen.
  let exporter = CallExporter()
  /// Told of each call that ends, with its record (`rpc-client --record`).
  let recorder: CallRecorder?

  init(client: RPCClient, idempotent: Bool = false, recorder: CallRecorder? = nil) {
    self.client = client
    self.idempotent = idempotent
    self.recorder = recorder
    self.timeout = NIOLockedValueBox(client.configuration.timeout)
  }

  /// Returns false for quit.
  func perform(_ command: ClientDashboard.Command) -> Bool {
    switch command {
    case .send(let numbers):
      send(numbers)
    case .injectUnknownReply:
      let client = self.client
      Task { _ = try? await client.injectForeignReply() }
    case .sendText(let text):
      send(text)
    case .sendLateText(let text):
      send(text, timeout: .milliseconds(1), propagateDeadline: false)
    case .sendLateRequest:
      sendLate(27)
    case .setTimeout(let value):
      timeout.withLockedValue { $0 = value }
    case .export(let export):
      exporter.write(export)
    case .quit:
      return false
    }
    return true
  }

  /// Calls fib(n) for each of `numbers` with the screen's timeout (nothing once closed).
  func send(_ numbers: [Int]) {
    let client = self.client
    let timeout = self.timeout.withLockedValue { $0 }
    let (closed, idempotent, recorder) = (self.closed, self.idempotent, self.recorder)
    for n in numbers {
      Task {
        guard !closed.withLockedValue({ $0 }) else { return }
        recorder?.started()
        let result = await Result.awaiting {
          try await client.fibonacci(n, timeout: timeout, idempotent: idempotent)
        }
        recorder?.ended(n: n, request: nil, result: result)
      }
    }
  }

  /// Raw mode: calls with `text` as it is, with the screen's timeout unless `timeout` is
  /// given (nothing once closed).
  func send(_ text: String, timeout: Duration? = nil, propagateDeadline: Bool? = nil) {
    let client = self.client
    let timeout = timeout ?? self.timeout.withLockedValue { $0 }
    let (closed, recorder) = (self.closed, self.recorder)
    Task {
      guard !closed.withLockedValue({ $0 }) else { return }
      recorder?.started()
      let result = await Result.awaiting {
        try await client.call(
          text, label: ClientDashboard.requestLabel(text), timeout: timeout,
          propagateDeadline: propagateDeadline)
      }
      recorder?.ended(n: nil, request: text, result: result)
    }
  }

  /// Calls fib(n) with a 1 ms timeout and no deadline, so the server answers after the
  /// client gave up: the reply is discarded as late.
  func sendLate(_ n: Int) {
    let client = self.client
    let (closed, recorder) = (self.closed, self.recorder)
    Task {
      guard !closed.withLockedValue({ $0 }) else { return }
      recorder?.started()
      let result = await Result.awaiting {
        try await client.fibonacci(n, timeout: .milliseconds(1), propagateDeadline: false)
      }
      recorder?.ended(n: n, request: nil, result: result)
    }
  }

  /// Sends nothing from now on, also for sends already asked for but not yet started.
  func close() { closed.withLockedValue { $0 = true } }
}

/// Carries out what the server panels ask for; failures become notices for the screen.
struct ServerCommandRunner: Sendable {
  let server: RPCServer
  let notices = NIOLockedValueBox<[String]>([])
  private let draining = NIOLockedValueBox(false)
  private let drained = NIOLockedValueBox(false)
  /// Called once a worker was added, removed, paused or resumed: the request queue's
  /// consumers changed.
  private let consumersChanged: @Sendable () -> Void

  init(server: RPCServer, consumersChanged: @escaping @Sendable () -> Void = {}) {
    self.server = server
    self.consumersChanged = consumersChanged
  }

  var isDraining: Bool { draining.withLockedValue { $0 } }
  var isDrained: Bool { drained.withLockedValue { $0 } }

  func takeNotices() -> [String] {
    notices.withLockedValue { items in
      defer { items = [] }
      return items
    }
  }

  func perform(_ command: ServerDashboard.Command) {
    let server = self.server
    let notices = self.notices
    switch command {
    case .addWorker:
      Task {
        do {
          try await server.addWorker()
          consumersChanged()
        } catch {
          notices.withLockedValue { $0.append("could not add a worker: \(error)") }
        }
      }
    case .removeWorker(let id):
      Task {
        await server.removeWorker(id)
        consumersChanged()
      }
    case .pauseWorker(let id):
      Task { await pause(id) }
    case .resumeWorker(let id):
      Task {
        do { try await resume(id) } catch {
          notices.withLockedValue { $0.append("could not resume w\(id): \(error)") }
        }
      }
    case .setPrefetch(let value):
      server.prefetch = value
    case .quit:
      startDrain()
    }
  }

  /// Pauses worker `id` (after the requests it holds).
  func pause(_ id: Int) async {
    await server.pauseWorker(id)
    consumersChanged()
  }

  /// Resumes worker `id`: it consumes again.
  func resume(_ id: Int) async throws {
    try await server.resumeWorker(id)
    consumersChanged()
  }

  /// Stops every worker gracefully; ``isDrained`` turns true when done.
  func startDrain() {
    let first = draining.withLockedValue { draining in
      defer { draining = true }
      return !draining
    }
    guard first else { return }
    let server = self.server
    let drained = self.drained
    Task {
      await server.shutdown()
      drained.withLockedValue { $0 = true }
    }
  }
}
