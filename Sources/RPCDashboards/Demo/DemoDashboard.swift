import AMQPRPC
import NIOCore
import TerminalUI

/// Both sides of the RPC pattern on one screen: the client's panels above, the server's
/// workers below. It composes the client and server view models (their own rendering and
/// keys), adding only the keys and caption of the demo.
package struct DemoDashboard: Sendable {
  package enum Command: Sendable, Hashable {
    case client(ClientDashboard.Command)
    case server(ServerDashboard.Command)
    case toggleTour
    /// Stop the node at this index of ``ClusterNodes/nodes`` when it runs, else start it.
    case toggleNode(Int)
  }

  package enum Action: Hashable, Sendable {
    case selectWorker, addWorker, removeWorker, togglePause, tour, node
  }

  package var client: ClientDashboard
  package var server: ServerDashboard
  package private(set) var tourRunning = false
  /// The tour's caption for its current step, wrapped to two rows under the input line
  /// until the next one (`nil`: none); once the tour has ended, for ``captionLinger``.
  package var caption: String? {
    didSet {
      captionUntil = nil
      // A caption explains what happens now: a note from before (`timeout is now 10.00 s`)
      // would sit above it for the whole step.
      if caption != nil { client.clearMessage() }
    }
  }
  /// When the caption of a tour that ended goes.
  private(set) var captionUntil: NIODeadline?
  /// How long the last caption of a tour that ended stays (`Tour finished…`).
  package static let captionLinger = TimeAmount.seconds(8)
  /// The local cluster the demo runs on (`--cluster-nodes`), drawn as one line above the
  /// workers; `nil` on a single broker.
  package var cluster: ClusterNodes?
  /// Whether the latest frame was too small to draw: only the quit keys work then.
  package internal(set) var tooSmall = false
  /// The request queue's ready and unacknowledged counts over time (a row at 120×40 and up).
  package private(set) var path = QueuePath()

  package static let minimumSize = (width: 70, height: 24)
  /// The panels' height from which the queue's path row shows (120×40 has it, 80×24 not).
  static let pathMinimumHeight = 34

  package init(client: ClientDashboard, server: ServerDashboard) {
    self.client = client
    self.server = server
    self.server.addWorkerKey = "F5"  // the demo's add key (`+` types into the input)
    self.server.showsHeldIDs = true
  }

  /// The demo's own keys; everything else goes to the client panels.
  package static let keymap = Keymap<Action>([
    .init([.tab], .selectWorker, footer: "worker", help: "select the next worker"),
    .init([.function(5)], .addWorker, footer: "add", help: "add a worker"),
    .init(
      [.function(6)], .removeWorker, footer: "remove",
      help: "remove the selected worker after its current request"),
    .init(
      [.function(7)], .togglePause, footer: "pause", help: "pause / resume the selected worker"),
    .init([.function(8)], .tour, footer: "tour", help: "start / stop the guided tour"),
  ])

  /// The cluster key, in the footer and help only when the demo runs on a cluster.
  package static let clusterKeymap = Keymap<Action>([
    .init(
      [.function(9)], .node, footer: "node",
      help: "stop / start a cluster node (then 1, 2, 3…)")
  ])

  private var keymaps: [Keymap<Action>] {
    cluster == nil ? [Self.keymap] : [Self.keymap, Self.clusterKeymap]
  }

  /// Applies a key: worker keys go to the server side, the rest to the client side.
  package mutating func handle(_ key: Key, now: NIODeadline) -> [Command] {
    // The screen says it is too small and that q quits: nothing else is taken blind.
    if tooSmall {
      return ClientDashboard.keymap.action(for: key) == .quit ? [.client(.quit)] : []
    }
    if client.showHelp {
      return client.handle(key, now: now).map { .client($0) }
    }
    if let cluster, cluster.choosing {
      self.cluster?.choosing = false
      guard case .character(let character) = key, let digit = character.wholeNumberValue,
        cluster.nodes.indices.contains(digit - 1)
      else { return [] }
      return [.toggleNode(digit - 1)]
    }
    let action = keymaps.lazy.compactMap({ $0.action(for: key) }).first
    // F4's selection takes the keys until Esc or F4 leaves it, Tab included (the workers'
    // own keys still work).
    if key == .function(4) || (client.isSelecting && (action == nil || action == .selectWorker)) {
      return client.handle(key, now: now).map { .client($0) }
    }
    switch action {
    case .node:
      cluster?.choosing = true
      return []
    case .selectWorker:
      if server.selected + 1 >= server.stats.workers.count {
        for _ in 0..<server.stats.workers.count { _ = server.handle(.up, now: now) }
      } else {
        _ = server.handle(.down, now: now)
      }
      return []
    case .addWorker: return server.handle(.character("+"), now: now).map { .server($0) }
    case .removeWorker: return server.handle(.character("-"), now: now).map { .server($0) }
    case .togglePause: return server.handle(.character("p"), now: now).map { .server($0) }
    case .tour: return [.toggleTour]
    case nil: return client.handle(key, now: now).map { .client($0) }
    }
  }

  /// Says whether the tour runs at `now`: when it has just ended, its last caption stays
  /// for ``captionLinger``, then goes as the other notes do.
  package mutating func setTourRunning(_ running: Bool, now: NIODeadline) {
    if tourRunning, !running, caption != nil { captionUntil = now + Self.captionLinger }
    tourRunning = running
  }

  /// Forgets the caption of an ended tour once its time is up.
  mutating func expireCaption(now: NIODeadline) {
    if let captionUntil, captionUntil <= now { caption = nil }
  }

  /// Whether either side moves, or the tour runs.
  package func isAnimating(now: NIODeadline) -> Bool {
    client.isAnimating(now: now) || server.isAnimating(now: now) || tourRunning
      || captionUntil != nil
  }

  /// Draws both sides on one screen for `now`: the client's panels, then every worker (the
  /// client keeping at least two rows in each of its lists), the footer, the help.
  package mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    client.expireMessage(now: now)
    server.expireMessage(now: now)
    expireCaption(now: now)
    let layout = ScreenLayout.panels(
      of: &buffer, minimum: Self.minimumSize, quitHint: "q quits.")
    tooSmall = layout == nil
    guard let (panels, footerRow) = layout else { return }
    renderHeader(into: &buffer, now: now)
    let captionLines =
      caption.map { TextWrap.lines($0, width: panels.width - 1, maximumLines: 2) } ?? []
    // The client's input, notes and stats, then In flight | Completed and Discarded with a
    // title, headings and two rows each.
    let clientMinimum = client.topRows(caption: captionLines, width: panels.width) + 4 + 4
    path.sample(
      ready: server.queueStatus.map { Int($0.ready) }, unacknowledged: server.heldTotal, now: now)
    let pathRows = panels.height >= Self.pathMinimumHeight ? 1 : 0
    let serverHeight = max(
      6,
      min(
        server.panelHeight(width: panels.width) + (cluster == nil ? 0 : 1) + pathRows,
        panels.height - clientMinimum))
    let (clientArea, serverBlock) = panels.splitBottom(serverHeight)
    client.renderPanels(into: &buffer, in: clientArea, now: now, caption: captionLines)
    var serverArea = serverBlock
    if let cluster {
      // The cluster's line takes the server block's first row (its summary shifts down).
      let (row, rest) = serverBlock.splitTop(1)
      let line = cluster.line(
        clientEndpoint: hostAndPort(of: client.brokerURL),
        workerEndpoints: server.stats.workers.map(\.endpoint), width: row.width - 1)
      buffer.write(line.text, row: row.row, column: 1, style: line.style, width: row.width - 1)
      serverArea = rest
      server.nodeNames = cluster.shortNames
    }
    if pathRows > 0 {
      let (row, rest) = serverArea.splitTop(1)
      path.render(
        into: &buffer, in: Rect(row: row.row, column: 1, width: row.width - 1, height: 1),
        ready: server.queueStatus.map { Int($0.ready) }, unacknowledged: server.heldTotal,
        asciiOnly: client.asciiOnly)
      serverArea = rest
    }
    server.highlightedCorrelationID = client.highlightedCorrelationID
    server.renderPanels(into: &buffer, in: serverArea, showLog: false)
    renderDetailPanel(
      into: &buffer, clientArea: clientArea, panels: panels, caption: captionLines, now: now)
    Footer(
      client.isSelecting
        ? client.footerItems : keymaps.flatMap(\.footer) + ClientDashboard.keymap.footer
    ).render(
      into: &buffer, in: Rect(row: footerRow, column: 0, width: buffer.width, height: 1))
    if client.showHelp {
      HelpOverlay(
        title: "rpc-demo help",
        // Two rows at 80×24 (the callback queue is in the header), so that every key fits.
        intro: [
          "Above: a client sends to \(client.queue); replies come to its own queue, matched",
          "by correlation id. Below: the workers. F8 runs a guided tour.",
        ],
        lines: keymaps.flatMap(\.helpLines) + ClientDashboard.keymap.helpLines
      ).render(
        into: &buffer, in: Rect(row: 0, column: 0, width: buffer.width, height: buffer.height))
    }
  }

  /// The header; at narrow widths the broker's URL goes first (after its host and port),
  /// then the product and version, the program's name, the tour hint, the consumers. The state of the two
  /// connections always stays.
  private func renderHeader(into buffer: inout ScreenBuffer, now: NIODeadline) {
    let workers: String
    // While the client's link is down the last count is stale: `consumers ?`.
    switch client.status.isDown ? nil : client.workersListening {
    case .some(.some(let count)): workers = "consumers on \(client.queue): \(count)"
    case .some(.none): workers = "no \(client.queue)!"
    case .none: workers = "consumers ?"
    }
    let status = linkStatus(now: now)
    HeaderBar(
      parts: [
        .init(text: "rpc-demo", priority: 2),
        .init(
          text: status.text, priority: HeaderBar.essential,
          style: status.isTrouble ? .warning : .bar, shorter: status.shorter,
          transient: true),
        .init(text: workers, priority: 4),
        .init(text: tourRunning ? "TOUR (F8 stops)" : "F8 tour", priority: 3),
        .init(text: client.brokerURL, priority: 0, shorter: [hostAndPort(of: client.brokerURL)]),
      ] + (client.tls.map { [HeaderBar.tlsPart($0)] } ?? []) + [
        .init(text: client.serverProduct, priority: 1)
      ]
    ).render(into: &buffer, row: 0)
  }

  /// One state for the two connections: the worse of the two, named by its side when the
  /// other differs (`server RECONNECTING #1 in 0.4 s`).
  func linkStatus(now: NIODeadline) -> (text: String, shorter: [String], isTrouble: Bool) {
    func rank(_ status: ConnectionStatus) -> Int {
      switch status {
      case .connected: 0
      case .recovered: 1
      case .connecting: 2
      case .blocked: 3
      case .reconnecting: 4
      case .closed: 5
      }
    }
    let (clientStatus, serverStatus) = (
      client.status.settled(now: now), server.status.settled(now: now)
    )
    let (clientRank, serverRank) = (rank(clientStatus), rank(serverStatus))
    if clientRank == serverRank {
      return (
        clientStatus.label(now: now), clientStatus.shorterLabels(now: now), clientStatus.isTrouble
      )
    }
    let (side, worse) =
      clientRank > serverRank ? ("client", clientStatus) : ("server", serverStatus)
    return (
      "\(side) \(worse.label(now: now))", worse.shorterLabels(now: now).map { "\(side) \($0)" },
      worse.isTrouble
    )
  }
}
