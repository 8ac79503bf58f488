import AMQPRPC
import NIOConcurrencyHelpers
import RPCDashboards

/// Carries out what the client panels ask for. Calls run as tasks; their results come back
/// through the client's event stream.
struct ClientCommandRunner: Sendable {
  let client: RPCClient
  let timeout: NIOLockedValueBox<Duration>

  init(client: RPCClient) {
    self.client = client
    self.timeout = NIOLockedValueBox(client.configuration.timeout)
  }

  /// Returns false for quit.
  func perform(_ command: ClientDashboard.Command) -> Bool {
    let client = self.client
    switch command {
    case .send(let numbers):
      let timeout = self.timeout.withLockedValue { $0 }
      for n in numbers { Task { _ = try? await client.call(n, timeout: timeout) } }
    case .injectUnknownReply:
      Task { _ = try? await client.injectForeignReply() }
    case .sendLateRequest:
      // No deadline travels with it, so the server answers after the client gave up.
      Task { _ = try? await client.call(27, timeout: .milliseconds(1), propagateDeadline: false) }
    case .setTimeout(let value):
      timeout.withLockedValue { $0 = value }
    case .quit:
      return false
    }
    return true
  }
}

/// Carries out what the server panels ask for; failures become notices for the screen.
struct ServerCommandRunner: Sendable {
  let server: RPCServer
  let notices = NIOLockedValueBox<[String]>([])
  private let draining = NIOLockedValueBox(false)
  private let drained = NIOLockedValueBox(false)

  init(server: RPCServer) {
    self.server = server
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
        do { try await server.addWorker() } catch {
          notices.withLockedValue { $0.append("could not add a worker: \(error)") }
        }
      }
    case .removeWorker(let id):
      Task { await server.removeWorker(id) }
    case .pauseWorker(let id):
      Task { await server.pauseWorker(id) }
    case .resumeWorker(let id):
      Task {
        do { try await server.resumeWorker(id) } catch {
          notices.withLockedValue { $0.append("could not resume w\(id): \(error)") }
        }
      }
    case .setPrefetch(let value):
      server.prefetch = value
    case .quit:
      startDrain()
    }
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
