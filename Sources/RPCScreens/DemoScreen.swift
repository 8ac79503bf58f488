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
package final class DemoScreen: Sendable {
  let client: RPCClient
  let server: RPCServer
  let clientConnection: AMQPConnection
  let serverConnection: AMQPConnection
  private let clientInbox = Inbox<RPCClientEvent>()
  private let serverInbox = Inbox<RPCServerEvent>()
  private let watch = ConnectionWatch()
  private let serverWatch = ConnectionWatch()
  private let serverNotices = Inbox<RPCServerNotice>()
  private let consumers = ConsumerCountWatch()
  private let queueStatus = QueueStatusWatch()
  private let clientCommands: ClientCommandRunner
  private let serverCommands: ServerCommandRunner
  private let captions = Inbox<String>()
  private let tour = NIOLockedValueBox<Task<Void, Never>?>(nil)
  private let leaving = NIOLockedValueBox(false)
  private let left = NIOLockedValueBox(false)
  private let takenBack = NIOLockedValueBox(Set<String>())
  /// The client's link lost and recovered, for the summary (as rpc-client's).
  private let links = NIOLockedValueBox(LinkCounts())
  private let pace: Duration
  /// Whether the guided tour starts at once, and then repeats.
  private let startTour: Bool
  private let loopTour: Bool
  /// How long quitting waits for the calls the workers hold.
  private let quitWait: Duration = .seconds(5)
  /// The local cluster's nodes, when the demo runs on one (`--cluster-nodes`).
  private let cluster: ClusterWatch?
  /// Takes requests for a lost callback queue back out of the request queue.
  private let orphans: OrphanedRequests
  private let orphanNotices = Inbox<String>()

  package init(
    client: RPCClient, clientConnection: AMQPConnection, server: RPCServer,
    serverConnection: AMQPConnection, tourPace: Duration, startTour: Bool = false,
    loopTour: Bool = false, cluster: ClusterNodes? = nil, idempotent: Bool = false
  ) {
    self.cluster = cluster.map { ClusterWatch(nodes: $0, queue: client.configuration.queue) }
    self.orphans = OrphanedRequests(
      client: client, connection: clientConnection,
      say: { [orphanNotices] in orphanNotices.append($0) })
    self.client = client
    self.server = server
    self.clientConnection = clientConnection
    self.serverConnection = serverConnection
    self.clientCommands = ClientCommandRunner(client: client, idempotent: idempotent)
    self.serverCommands = ServerCommandRunner(
      server: server, consumersChanged: { [consumers] in consumers.refresh() })
    self.pace = tourPace
    self.startTour = startTour
    self.loopTour = loopTour
  }

  /// Shows the demo until the user quits or the group shuts down (a signal); `startTour`
  /// starts the guided tour at once (`loopTour`: over and over, for a screen left running at
  /// a meetup).
  package func run() async {
    let loopTour = self.loopTour
    let notices = server.notices()
    let (serverNotices, consumers) = (self.serverNotices, self.consumers)
    var host = ScreenHost(name: "rpc-demo-ui")
    host.pump(client.events(), into: clientInbox)
    host.pump(server.events(), into: serverInbox)
    host.add([
      Task {
        for await notice in notices {
          serverNotices.append(notice)
          if notice.changesConsumers { consumers.refresh() }
        }
      },
      queueStatus.start(server),
    ])
    host.add(watch.start(clientConnection) + serverWatch.start(serverConnection))
    host.add(consumers.start(client, period: .seconds(1)))
    if let cluster { host.add([cluster.start()]) }
    host.onGracefulShutdown { [self] in startLeaving() }
    if startTour { toggleTour(loop: loopTour) }
    await host.run(
      model: { [self] unicode in makeDashboard(unicode: unicode) },
      render: { [self] dashboard, buffer, now in render(&dashboard, into: &buffer, now: now) },
      handle: { [self] dashboard, key, now in
        handle(key, now: now, dashboard: &dashboard, loopTour: loopTour)
      },
      hungUp: { [self] in startLeaving() },
      shouldStop: { [left] in left.withLockedValue { $0 } })
    tour.withLockedValue { $0?.cancel() }
  }

  /// Quits without leaving orphan requests (once; later calls do nothing): stops the tour
  /// and all sending, then, until the workers answered every call still answerable or
  /// ``quitWait`` passed, takes this client's requests still waiting in the queue back out
  /// of it and says on screen what it waits for. The screen closes when done.
  private func startLeaving() {
    let first = leaving.withLockedValue { leaving in
      defer { leaving = true }
      return !leaving
    }
    guard first else { return }
    tour.withLockedValue {
      $0?.cancel()
      $0 = nil
    }
    clientCommands.close()
    captions.append(
      "Quitting: sending stopped; taking this demo's requests back out of "
        + "\(client.configuration.queue)…")
    Task {
      await drainCalls()
      left.withLockedValue { $0 = true }
    }
  }

  private func drainCalls() async {
    let queue = client.configuration.queue
    let deadline = ContinuousClock.now + quitWait
    // Once: sweeping again would deliver other clients' requests again each time (their
    // delivery count rises, and a quorum queue's servers reject a request delivered too
    // often). What a send published after it is taken out by the last sweep, at the end.
    _ = try? await removeOwnRequests(deadline: deadline)
    while true {
      let removed = takenBack.withLockedValue { $0 }
      let waiting = DemoScreen.callsAwaitingWorkers(client.stats(), removed: removed)
      guard waiting > 0, ContinuousClock.now < deadline else { return }
      captions.append(
        "Quitting: \(removed.count) unanswered requests taken back out of \(queue); waiting "
          + "for the \(waiting) the workers hold…")
      try? await Task.sleep(for: .milliseconds(100))  // polling the stats, bounded above
    }
  }

  /// Takes this client's requests still waiting in the request queue out of it, so that no
  /// server answers them after the demo ended; returns their correlation ids.
  /// Their calls end at once as cancelled (no server can answer them now).
  @discardableResult
  package func removeOwnRequests(deadline: ContinuousClock.Instant = .now + .seconds(5))
    async throws -> [String]
  {
    let (client, takenBack) = (self.client, self.takenBack)
    let queue = client.configuration.queue
    return try await RequestSweep(
      connection: clientConnection, queue: queue, replyTo: client.callbackQueue
    ).removeOwnRequests(deadline: deadline) { ids in
      takenBack.withLockedValue { $0.formUnion(ids) }
      client.cancelCalls(ids, reason: "the demo quit and took the request back out of \(queue)")
    }
  }

  /// Times the client's link was lost and recovered while the screen showed.
  package var linkCounts: (losses: Int, recoveries: Int) {
    links.withLockedValue { ($0.losses, $0.recoveries) }
  }

  /// Requests taken back out of the request queue unanswered (see ``removeOwnRequests()``).
  package var requestsTakenBack: Int { takenBack.withLockedValue { $0.count } }

  /// Calls in flight that a worker can still answer: those whose request was not taken out
  /// of the queue (counted exactly up to the 1,000 the stats list).
  static func callsAwaitingWorkers(_ stats: RPCClientStats, removed: Set<String>) -> Int {
    guard stats.inFlight <= stats.oldestInFlight.count else {
      return max(0, stats.inFlight - removed.count)
    }
    return stats.oldestInFlight.count(where: { !removed.contains($0.correlationID) })
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

  private func makeDashboard(unicode: Bool) -> DemoDashboard {
    var dashboard = DemoDashboard(
      client: ClientDashboard(
        brokerURL: clientConnection.configuration.redactedURL,
        serverProduct: clientConnection.serverProduct, callbackQueue: client.callbackQueue,
        queue: client.configuration.queue, timeout: client.configuration.timeout),
      server: ServerDashboard(server: server, connection: serverConnection))
    dashboard.client.tls = clientConnection.tlsSession?.description
    dashboard.client.maximumN = server.fibonacci.maximumN
    dashboard.client.asciiOnly = !unicode
    dashboard.server.asciiOnly = !unicode
    dashboard.cluster = cluster?.current
    return dashboard
  }

  /// Brings the dashboard up to date from the inboxes and watches, and draws it.
  private func render(
    _ dashboard: inout DemoDashboard, into buffer: inout ScreenBuffer, now: NIODeadline
  ) -> Bool {
    for event in clientInbox.drain() {
      links.withLockedValue { $0.count(event) }
      orphans.note(event)
      dashboard.client.apply(event, now: now)
    }
    for notice in orphanNotices.drain() { dashboard.client.say(notice, style: .accent, now: now) }
    for notice in clientCommands.exporter.notices.drain() {
      dashboard.client.say(notice.text, style: notice.isError ? .error : .ok, now: now, for: 10)
    }
    for event in serverInbox.drain() { dashboard.server.apply(event) }
    for notice in serverNotices.drain() { dashboard.server.apply(notice) }
    for caption in captions.drain() {
      if tourRunning || leaving.withLockedValue({ $0 }) {
        dashboard.caption = caption
      } else {
        // "Tour stopped.", "Tour failed: …": a note that expires, not a caption that stays.
        dashboard.caption = nil
        dashboard.client.say(caption, style: .accent, now: now, for: 8)
      }
    }
    for notice in serverCommands.takeNotices() {
      dashboard.client.say(notice, style: .error, now: now)
    }
    dashboard.setTourRunning(tourRunning, now: now)
    dashboard.client.status = watch.current
    dashboard.server.status = serverWatch.current
    dashboard.client.brokerURL = watch.brokerURL ?? dashboard.client.brokerURL
    dashboard.client.workersListening = consumers.current
    dashboard.client.update(stats: client.stats(), now: now)
    dashboard.server.queueStatus = queueStatus.current
    dashboard.server.update(stats: server.stats(), now: now)
    if let cluster {
      for notice in cluster.takeNotices() {
        dashboard.client.say(notice.text, style: notice.isError ? .error : .accent, now: now)
      }
      // The watch's view, keeping whether a node is being chosen (the dashboard's).
      let choosing = dashboard.cluster?.choosing ?? false
      dashboard.cluster = cluster.current
      dashboard.cluster?.choosing = choosing
    }
    dashboard.render(into: &buffer, now: now)
    return dashboard.isAnimating(now: now)
  }

  /// Carries out a key; nothing while quitting. Always true: quitting keeps the screen up
  /// until the calls are drained.
  private func handle(
    _ key: Key, now: NIODeadline, dashboard: inout DemoDashboard, loopTour: Bool
  ) -> Bool {
    guard !leaving.withLockedValue({ $0 }) else { return true }
    for command in dashboard.handle(key, now: now) {
      switch command {
      case .client(let command):
        if !clientCommands.perform(command) {
          startLeaving()
          return true
        }
      case .server(let command): serverCommands.perform(command)
      case .toggleTour: toggleTour(loop: loopTour)
      case .toggleNode(let index): cluster?.toggle(index)
      }
    }
    return true
  }
}

extension RPCServerNotice {
  /// Whether the request queue's consumers may have changed with this notice.
  var changesConsumers: Bool {
    switch self {
    case .consumerLost, .consumerRestored, .connection(.recovered): true
    case .connection, .replyRefused: false
    }
  }
}
