import AMQPClient
import AMQPRPC
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RPCCommandLine
import RPCDashboards
import TerminalUI

/// rpc-demo's screen: a client and a server in one process, both talking through the
/// broker, on one screen, with an optional guided tour.
public final class DemoScreen: Sendable {
  let client: RPCClient
  let server: RPCServer
  let clientConnection: AMQPConnection
  let serverConnection: AMQPConnection
  private let clientInbox = Inbox<RPCClientEvent>()
  private let serverInbox = Inbox<RPCServerEvent>()
  private let watch = ConnectionWatch()
  private let serverWatch = ConnectionWatch()
  private let serverNotices = Inbox<RPCServerNotice>()
  private let workers = NIOLockedValueBox<Int??>(nil)
  private let queueStatus = QueueStatusWatch()
  private let clientCommands: ClientCommandRunner
  private let serverCommands: ServerCommandRunner
  private let captions = Inbox<String>()
  private let tour = NIOLockedValueBox<Task<Void, Never>?>(nil)
  private let stopRequested = NIOLockedValueBox(false)
  private let pace: Duration

  public init(
    client: RPCClient, clientConnection: AMQPConnection, server: RPCServer,
    serverConnection: AMQPConnection, tourPace: Duration
  ) {
    self.client = client
    self.server = server
    self.clientConnection = clientConnection
    self.serverConnection = serverConnection
    self.clientCommands = ClientCommandRunner(client: client)
    self.serverCommands = ServerCommandRunner(server: server)
    self.pace = tourPace
  }

  /// Shows the demo until the user quits or a signal arrives; `tour` starts the guided tour
  /// at once (`loopTour`: over and over, for a screen left running at a meetup).
  public func run(signals: SignalWatcher, tour startTour: Bool, loopTour: Bool) async {
    let clientEvents = client.events()
    let serverEvents = server.events()
    let notices = server.notices()
    let clientInbox = self.clientInbox
    let serverInbox = self.serverInbox
    let serverNotices = self.serverNotices
    let pumps =
      [
        Task { for await event in clientEvents { clientInbox.append(event) } },
        Task { for await event in serverEvents { serverInbox.append(event) } },
        Task { for await notice in notices { serverNotices.append(notice) } },
        queueStatus.start(server),
        Task { await refreshWorkers() },
        Task {
          _ = await signals.next()
          stopRequested.withLockedValue { $0 = true }
        },
      ] + watch.start(clientConnection) + serverWatch.start(serverConnection)
    if startTour { toggleTour(loop: loopTour) }
    await TerminalLoop.onDedicatedThread(name: "rpc-demo-ui") { [self] in uiLoop(loopTour: loopTour)
    }
    tour.withLockedValue { $0?.cancel() }
    for pump in pumps { pump.cancel() }
  }

  private func refreshWorkers() async {
    while !Task.isCancelled {
      // Unknown (nil) when the probe fails, as while the link is down: not "no queue".
      let count: Int??
      do { count = .some(try await client.workersListening()) } catch { count = .none }
      workers.withLockedValue { $0 = count }
      try? await Task.sleep(for: .seconds(1))  // a refresh period, not a synchronisation
    }
  }

  private func toggleTour(loop: Bool) {
    let guide = DemoTour(
      client: client, server: server, clientCommands: clientCommands,
      serverCommands: serverCommands,
      pace: pace, caption: { [captions] in captions.append($0) })
    let captions = self.captions
    let tour = self.tour
    tour.withLockedValue { running in
      if let current = running {
        current.cancel()
        running = nil
        captions.append("Tour stopped.")
        return
      }
      running = Task {
        do {
          try await guide.run(loop: loop)
        } catch is CancellationError {
          return  // stopped by F8; the caption says so
        } catch {
          captions.append("Tour failed: \(error)")
        }
        tour.withLockedValue { $0 = nil }
      }
    }
  }

  private var tourRunning: Bool { tour.withLockedValue { $0 != nil } }

  private func uiLoop(loopTour: Bool) {
    let terminal = CursesTerminal(environment: ProcessInfo.processInfo.environment)
    defer { terminal.restore() }
    var dashboard = DemoDashboard(
      client: ClientDashboard(
        brokerURL: clientConnection.configuration.redactedURL,
        serverProduct: clientConnection.serverProduct, callbackQueue: client.callbackQueue,
        queue: client.configuration.queue, timeout: client.configuration.timeout),
      server: ServerDashboard(server: server, connection: serverConnection))
    dashboard.client.tls = clientConnection.tlsSession?.description
    dashboard.client.asciiOnly = !terminal.supportsUnicode
    dashboard.server.asciiOnly = !terminal.supportsUnicode
    TerminalLoop.run(
      terminal: terminal,
      render: { buffer in
        let now = NIODeadline.now()
        for event in clientInbox.drain() { dashboard.client.apply(event, now: now) }
        for event in serverInbox.drain() { dashboard.server.apply(event) }
        for notice in serverNotices.drain() { dashboard.server.apply(notice) }
        for caption in captions.drain() { dashboard.caption = caption }
        for notice in serverCommands.takeNotices() {
          dashboard.client.say(notice, style: .error, now: now)
        }
        dashboard.tourRunning = tourRunning
        dashboard.client.status = watch.current
        dashboard.server.status = serverWatch.current
        dashboard.client.brokerURL = watch.brokerURL ?? dashboard.client.brokerURL
        dashboard.client.workersListening = workers.withLockedValue { $0 }
        dashboard.client.update(stats: client.stats(), now: now)
        dashboard.server.queueStatus = queueStatus.current
        dashboard.server.update(stats: server.stats(), handledTotal: server.handledCount, now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { key in
        for command in dashboard.handle(key, now: .now()) {
          switch command {
          case .client(let command): if !clientCommands.perform(command) { return false }
          case .server(let command): serverCommands.perform(command)
          case .toggleTour: toggleTour(loop: loopTour)
          }
        }
        return true
      },
      shouldStop: { stopRequested.withLockedValue { $0 } })
  }
}
