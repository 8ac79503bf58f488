import AMQPClient
import AMQPRPC
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RPCCommandLine
import RPCDashboards
import TerminalUI

/// The interactive screen: curses on a thread of its own (it blocks on key reads); client
/// events and connection news reach it through locked inboxes, drained once per frame.
final class ClientScreen: Sendable {
  let client: RPCClient
  let connection: AMQPConnection
  private let inbox = NIOLockedValueBox<[RPCClientEvent]>([])
  private let status = NIOLockedValueBox<ConnectionStatus>(.connected)
  private let workers = NIOLockedValueBox<Int??>(nil)
  private let timeout: NIOLockedValueBox<Duration>
  private let stopRequested = NIOLockedValueBox(false)

  init(client: RPCClient, connection: AMQPConnection) {
    self.client = client
    self.connection = connection
    self.timeout = NIOLockedValueBox(client.configuration.timeout)
  }

  /// Shows the screen until the user quits or a signal arrives.
  func run(signals: SignalWatcher) async {
    let events = client.events()
    let pumps = [
      Task { for await event in events { inbox.withLockedValue { $0.append(event) } } },
      Task { for await event in connection.events { record(event) } },
      Task {
        let reason = await connection.closed()
        status.withLockedValue { $0 = .closed(reason: reason.message) }
      },
      Task { await refreshWorkers() },
      Task {
        _ = await signals.next()
        stopRequested.withLockedValue { $0 = true }
      },
    ]
    await TerminalLoop.onDedicatedThread(name: "rpc-client-ui") { [self] in uiLoop() }
    for pump in pumps { pump.cancel() }
  }

  private func record(_ event: AMQPConnectionEvent) {
    status.withLockedValue { $0 = $0.applying(event) }
  }

  private func refreshWorkers() async {
    while !Task.isCancelled {
      if let count = try? await client.workersListening() {
        workers.withLockedValue { $0 = .some(count) }
      } else {
        workers.withLockedValue { $0 = .some(nil) }
      }
      try? await Task.sleep(for: .seconds(2))  // a refresh period, not a synchronisation
    }
  }

  private func uiLoop() {
    let terminal = CursesTerminal(environment: ProcessInfo.processInfo.environment)
    defer { terminal.restore() }
    let product = [
      connection.serverProperties["product"]?.stringValue,
      connection.serverProperties["version"]?.stringValue,
    ].compactMap { $0 }.joined(separator: " ")
    var dashboard = ClientDashboard(
      brokerURL: connection.configuration.redactedURL, serverProduct: product,
      callbackQueue: client.callbackQueue, queue: client.configuration.queue,
      timeout: client.configuration.timeout)
    dashboard.asciiOnly = !terminal.supportsUnicode
    TerminalLoop.run(
      terminal: terminal,
      render: { buffer in
        let now = NIODeadline.now()
        for event in inbox.withLockedValue({ events in
          defer { events = [] }
          return events
        }) {
          dashboard.apply(event, now: now)
        }
        dashboard.status = status.withLockedValue { $0 }
        dashboard.workersListening = workers.withLockedValue { $0 }
        dashboard.update(stats: client.stats(), now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { key in
        dashboard.handle(key, now: .now()).allSatisfy { perform($0) }
      },
      shouldStop: { stopRequested.withLockedValue { $0 } })
  }

  /// Carries out a screen command; false means quit.
  private func perform(_ command: ClientDashboard.Command) -> Bool {
    switch command {
    case .send(let numbers):
      let timeout = self.timeout.withLockedValue { $0 }
      let client = self.client
      for n in numbers {
        Task { _ = try? await client.call(n, timeout: timeout) }
      }
    case .injectUnknownReply:
      let client = self.client
      Task { _ = try? await client.injectForeignReply() }
    case .sendLateRequest:
      let client = self.client
      Task { _ = try? await client.call(27, timeout: .milliseconds(1), propagateDeadline: false) }
    case .setTimeout(let value):
      timeout.withLockedValue { $0 = value }
    case .quit:
      return false
    }
    return true
  }
}
