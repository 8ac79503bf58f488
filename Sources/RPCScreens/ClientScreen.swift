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
  private let consumers = ConsumerCountWatch()
  private let stopRequested = NIOLockedValueBox(false)
  private let commands: ClientCommandRunner

  public init(client: RPCClient, connection: AMQPConnection) {
    self.client = client
    self.connection = connection
    self.commands = ClientCommandRunner(client: client)
  }

  /// Shows the screen until the user quits or a signal arrives.
  public func run(signals: SignalWatcher) async {
    let (client, connection) = (self.client, self.connection)
    let (inbox, watch, consumers, commands) = (self.inbox, self.watch, self.consumers, commands)
    let stopRequested = self.stopRequested
    var host = ScreenHost(name: "rpc-client-ui")
    host.pump(client.events(), into: inbox)
    host.add(watch.start(connection) + consumers.start(client, period: .seconds(2)))
    let stop: @Sendable () -> Void = { stopRequested.withLockedValue { $0 = true } }
    host.onSignal(signals, stop)
    await host.run(
      model: { unicode in
        var dashboard = ClientDashboard(
          brokerURL: connection.configuration.redactedURL,
          serverProduct: connection.serverProduct, callbackQueue: client.callbackQueue,
          queue: client.configuration.queue, timeout: client.configuration.timeout)
        dashboard.tls = connection.tlsSession?.description
        dashboard.asciiOnly = !unicode
        return dashboard
      },
      render: { dashboard, buffer, now in
        for event in inbox.drain() { dashboard.apply(event, now: now) }
        dashboard.status = watch.current
        dashboard.brokerURL = watch.brokerURL ?? dashboard.brokerURL
        dashboard.workersListening = consumers.current
        dashboard.update(stats: client.stats(), now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { dashboard, key, now in
        dashboard.handle(key, now: now).allSatisfy { commands.perform($0) }
      },
      hungUp: stop,
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
