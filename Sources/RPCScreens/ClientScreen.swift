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
package final class ClientScreen: Sendable {
  let client: RPCClient
  let connection: AMQPConnection
  private let inbox = Inbox<RPCClientEvent>()
  private let watch = ConnectionWatch()
  private let consumers = ConsumerCountWatch()
  private let stopRequested = NIOLockedValueBox(false)
  private let commands: ClientCommandRunner
  private let links = NIOLockedValueBox(LinkCounts())
  private let takenBack = NIOLockedValueBox(0)
  private let orphanNotices = Inbox<String>()
  /// Raw mode: each line typed is sent as it is (see ``ClientDashboard/rawMode``).
  let raw: Bool

  /// `idempotent`: fib calls are marked so (sent again after a lost link); `recorder`
  /// (`--record`) is told of every call the screen makes.
  package init(
    client: RPCClient, connection: AMQPConnection, raw: Bool = false, idempotent: Bool = false,
    recorder: CallRecorder? = nil
  ) {
    self.client = client
    self.connection = connection
    self.raw = raw
    self.commands = ClientCommandRunner(
      client: client, idempotent: idempotent, recorder: recorder)
  }

  /// Times the link was lost and recovered while the screen showed, for the summary.
  package var linkCounts: (losses: Int, recoveries: Int) {
    links.withLockedValue { ($0.losses, $0.recoveries) }
  }

  /// Requests taken back out of the request queue unanswered when the screen closed.
  package var requestsTakenBack: Int { takenBack.withLockedValue { $0 } }

  /// Shows the screen until the user quits, a signal arrives or the terminal goes away;
  /// from then on nothing more is sent, and this client's requests still waiting in the
  /// request queue are taken back out of it (at most 5 s; their calls end as cancelled), so
  /// that no server answers them into a callback queue about to go. Close the client to end
  /// the calls still in flight.
  package func run() async {
    let (client, connection) = (self.client, self.connection)
    let (inbox, watch, consumers, commands) = (self.inbox, self.watch, self.consumers, commands)
    let (stopRequested, links, raw) = (self.stopRequested, self.links, self.raw)
    let orphanNotices = self.orphanNotices
    let orphans = OrphanedRequests(
      client: client, connection: connection, say: { orphanNotices.append($0) })
    var host = ScreenHost(name: "rpc-client-ui")
    host.pump(client.events(), into: inbox)
    host.add(watch.start(connection) + consumers.start(client, period: .seconds(2)))
    let stop: @Sendable () -> Void = { stopRequested.withLockedValue { $0 = true } }
    host.onGracefulShutdown(stop)
    await host.run(
      model: { unicode in
        var dashboard = ClientDashboard(
          brokerURL: connection.configuration.redactedURL,
          serverProduct: connection.serverProduct, callbackQueue: client.callbackQueue,
          queue: client.configuration.queue, timeout: client.configuration.timeout)
        dashboard.tls = connection.tlsSession?.description
        dashboard.asciiOnly = !unicode
        dashboard.rawMode = raw
        return dashboard
      },
      render: { dashboard, buffer, now in
        for event in inbox.drain() {
          links.withLockedValue { $0.count(event) }
          orphans.note(event)
          dashboard.apply(event, now: now)
        }
        for notice in orphanNotices.drain() { dashboard.say(notice, style: .accent, now: now) }
        for notice in commands.exporter.notices.drain() {
          dashboard.say(notice.text, style: notice.isError ? .error : .ok, now: now, for: 10)
        }
        dashboard.status = watch.current
        dashboard.brokerURL = watch.brokerURL ?? dashboard.brokerURL
        dashboard.workersListening = consumers.current
        dashboard.queueReady = consumers.ready
        dashboard.update(stats: client.stats(), now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { dashboard, key, now in
        dashboard.handle(key, now: now).allSatisfy { commands.perform($0) }
      },
      hungUp: stop,
      shouldStop: { stopRequested.withLockedValue { $0 } })
    commands.close()
    for event in inbox.drain() { links.withLockedValue { $0.count(event) } }
    let queue = client.configuration.queue
    let removed = try? await RequestSweep(
      connection: connection, queue: queue, replyTo: client.callbackQueue
    ).removeOwnRequests(deadline: .now + .seconds(5)) { ids in
      client.cancelCalls(ids, reason: "rpc-client quit and took the request back out of \(queue)")
    }
    takenBack.withLockedValue { $0 = removed?.count ?? 0 }
  }
}

/// Link losses and recoveries seen in the client's events.
struct LinkCounts: Sendable {
  var losses = 0
  var recoveries = 0

  mutating func count(_ event: RPCClientEvent) {
    guard case .link(let link) = event else { return }
    switch link {
    case .lost: losses += 1
    case .recovered: recoveries += 1
    case .reconnecting, .callbackQueueLost, .callbackQueueReplaced, .blocked, .unblocked, .closed:
      break
    }
  }
}

extension AMQPConnection {
  /// `RabbitMQ 3.10.8`, from the server properties.
  var serverProduct: String {
    [serverProperties["product"]?.stringValue, serverProperties["version"]?.stringValue]
      .compactMap { $0 }.joined(separator: " ")
  }
}
