import AMQPClient
import AMQPRPC
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RPCCommandLine
import RPCDashboards
import TerminalUI

/// The per-worker load screen: curses on its own thread; server events, queue status and
/// connection news reach it through locked inboxes, drained once per frame.
package final class ServerScreen: Sendable {
  let server: RPCServer
  let connection: AMQPConnection
  private let inbox = Inbox<RPCServerEvent>()
  private let notices = Inbox<RPCServerNotice>()
  private let watch = ConnectionWatch()
  private let queueStatus = QueueStatusWatch()
  private let commands: ServerCommandRunner
  /// Where `--metrics-port` serves (`127.0.0.1:39795`), for the header.
  private let metricsAddress: String?

  package init(server: RPCServer, connection: AMQPConnection, metricsAddress: String? = nil) {
    self.server = server
    self.connection = connection
    self.metricsAddress = metricsAddress
    self.commands = ServerCommandRunner(server: server)
  }

  /// Shows the screen until the user quits or a signal arrives; either way the workers are
  /// drained (with the screen still up, saying so) before this returns.
  package func run() async {
    let commands = self.commands
    var host = ScreenHost(name: "rpc-server-ui")
    host.pump(server.events(), into: inbox)
    host.pump(server.notices(), into: notices)
    host.add([queueStatus.start(server)] + watch.start(connection))
    host.onGracefulShutdown { commands.startDrain() }
    await host.run(
      model: { [self] unicode in
        var dashboard = ServerDashboard(server: server, connection: connection)
        dashboard.asciiOnly = !unicode
        dashboard.metricsAddress = metricsAddress
        return dashboard
      },
      render: { [self] dashboard, buffer, now in
        for event in inbox.drain() { dashboard.apply(event) }
        for notice in notices.drain() { dashboard.apply(notice) }
        for notice in commands.takeNotices() { dashboard.say(notice, style: .error, now: now) }
        dashboard.status = watch.current
        dashboard.brokerURL = watch.brokerURL ?? dashboard.brokerURL
        dashboard.queueStatus = queueStatus.current
        dashboard.draining = commands.isDraining
        dashboard.update(stats: server.stats(), now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { dashboard, key, now in
        for command in dashboard.handle(key, now: now) { commands.perform(command) }
        return true
      },
      hungUp: { commands.startDrain() },
      shouldStop: { commands.isDrained })
  }
}

/// Polls the request queue's ready messages and consumers (passive declare) each second.
struct QueueStatusWatch: Sendable {
  private let status = NIOLockedValueBox<(ready: UInt32, consumers: UInt32)?>(nil)

  func start(_ server: RPCServer) -> Task<Void, Never> {
    let status = self.status
    return Task {
      while !Task.isCancelled {
        if let info = try? await server.queueStatus() {
          status.withLockedValue { $0 = (info.messageCount, info.consumerCount) }
        }
        try? await Task.sleep(for: .seconds(1))  // a refresh period, not a synchronisation
      }
    }
  }

  var current: (ready: UInt32, consumers: UInt32)? { status.withLockedValue { $0 } }
}

extension ServerDashboard {
  /// A dashboard describing `server`.
  init(server: RPCServer, connection: AMQPConnection) {
    let origin = server.queue.declaredType.map { "declared \($0.rawValue)" } ?? "existing"
    self.init(
      brokerURL: connection.configuration.redactedURL, queue: server.configuration.queue,
      queueOrigin: origin, prefetch: server.prefetch, work: server.fibonacci.work,
      maximumN: server.fibonacci.maximumN)
    tls = connection.tlsSession?.description
    serverName = server.configuration.serverName
    spreadOverNodes = server.connections.count > 1
  }
}
