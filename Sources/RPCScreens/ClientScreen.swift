import AMQPClient
import AMQPRPC
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RPCCommandLine
import RPCDashboards
import TerminalUI

/// The interactive client screen: curses on a thread of its own (it blocks on key reads);
/// client events and connection news reach it through locked inboxes, drained per frame.
public final class ClientScreen: Sendable {
  let client: RPCClient
  let connection: AMQPConnection
  private let inbox = Inbox<RPCClientEvent>()
  private let watch = ConnectionWatch()
  private let workers = NIOLockedValueBox<Int??>(nil)
  private let stopRequested = NIOLockedValueBox(false)
  private let commands: ClientCommandRunner

  public init(client: RPCClient, connection: AMQPConnection) {
    self.client = client
    self.connection = connection
    self.commands = ClientCommandRunner(client: client)
  }

  /// Shows the screen until the user quits or a signal arrives.
  public func run(signals: SignalWatcher) async {
    let events = client.events()
    let inbox = self.inbox
    let pumps =
      [
        Task { for await event in events { inbox.append(event) } },
        Task { await refreshWorkers() },
        Task {
          _ = await signals.next()
          stopRequested.withLockedValue { $0 = true }
        },
      ] + watch.start(connection)
    await TerminalLoop.onDedicatedThread(name: "rpc-client-ui") { [self] in uiLoop() }
    for pump in pumps { pump.cancel() }
  }

  private func refreshWorkers() async {
    while !Task.isCancelled {
      // Unknown (nil) when the probe fails, as while the link is down: not "no queue".
      let count: Int??
      do { count = .some(try await client.workersListening()) } catch { count = .none }
      workers.withLockedValue { $0 = count }
      try? await Task.sleep(for: .seconds(2))  // a refresh period, not a synchronisation
    }
  }

  private func uiLoop() {
    let terminal = CursesTerminal(environment: ProcessInfo.processInfo.environment)
    defer { terminal.restore() }
    var dashboard = ClientDashboard(
      brokerURL: connection.configuration.redactedURL, serverProduct: connection.serverProduct,
      callbackQueue: client.callbackQueue, queue: client.configuration.queue,
      timeout: client.configuration.timeout)
    dashboard.asciiOnly = !terminal.supportsUnicode
    TerminalLoop.run(
      terminal: terminal,
      render: { buffer in
        let now = NIODeadline.now()
        for event in inbox.drain() { dashboard.apply(event, now: now) }
        dashboard.status = watch.current
        dashboard.brokerURL = watch.brokerURL ?? dashboard.brokerURL
        dashboard.workersListening = workers.withLockedValue { $0 }
        dashboard.update(stats: client.stats(), now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { key in dashboard.handle(key, now: .now()).allSatisfy { commands.perform($0) } },
      shouldStop: { stopRequested.withLockedValue { $0 } })
  }
}

extension AMQPConnection {
  /// `RabbitMQ 3.10.8`, from the server properties.
  var serverProduct: String {
    [serverProperties["product"]?.stringValue, serverProperties["version"]?.stringValue]
      .compactMap { $0 }.joined(separator: " ")
  }
}
