import AMQPRPC
import NIOCore
import TerminalUI

/// Both sides of the RPC pattern on one screen: the client's panels above, the server's
/// workers below. It composes the client and server view models (their own rendering and
/// keys), adding only the keys and caption of the demo.
public struct DemoDashboard: Sendable {
  public enum Command: Sendable, Hashable {
    case client(ClientDashboard.Command)
    case server(ServerDashboard.Command)
    case toggleTour
  }

  public enum Action: Hashable, Sendable {
    case selectWorker, addWorker, removeWorker, togglePause, tour
  }

  public var client: ClientDashboard
  public var server: ServerDashboard
  public var tourRunning = false

  public static let minimumSize = (width: 70, height: 24)

  public init(client: ClientDashboard, server: ServerDashboard) {
    self.client = client
    self.server = server
  }

  /// The demo's own keys; everything else goes to the client panels.
  public static let keymap = Keymap<Action>([
    .init([.tab], .selectWorker, footer: "worker", help: "select the next worker"),
    .init([.function(5)], .addWorker, footer: "add", help: "add a worker"),
    .init(
      [.function(6)], .removeWorker, footer: "remove",
      help: "remove the selected worker after its current request"),
    .init(
      [.function(7)], .togglePause, footer: "pause", help: "pause / resume the selected worker"),
    .init([.function(8)], .tour, footer: "tour", help: "start / stop the guided tour"),
  ])

  /// Applies a key: worker keys go to the server side, the rest to the client side.
  public mutating func handle(_ key: Key, now: NIODeadline) -> [Command] {
    if client.showHelp {
      return client.handle(key, now: now).map { .client($0) }
    }
    switch Self.keymap.action(for: key) {
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

  /// Whether either side moves, or the tour runs.
  public func isAnimating(now: NIODeadline) -> Bool {
    client.isAnimating(now: now) || server.isAnimating(now: now) || tourRunning
  }

  /// Draws both sides on one screen for `now`.
  public mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    guard
      let (panels, footerRow) = ScreenLayout.panels(
        of: &buffer, minimum: Self.minimumSize, quitHint: "q quits.")
    else { return }
    renderHeader(into: &buffer)
    let serverHeight = min(
      ServerDashboard.panelHeight(workers: server.stats.workers.count), max(6, panels.height / 3))
    let (clientArea, serverArea) = panels.splitBottom(serverHeight)
    client.renderPanels(into: &buffer, in: clientArea, now: now)
    server.renderPanels(into: &buffer, in: serverArea, showLog: false)
    renderFooter(
      Self.keymap.footerItems + ClientDashboard.keymap.footerItems, into: &buffer, row: footerRow)
    if client.showHelp {
      renderHelpOverlay(
        title: "rpc-demo help",
        intro: [
          "Above: a client. Each request goes to \(client.queue) with reply_to =",
          "\(client.callbackQueue) and a unique correlation id; replies are matched by it.",
          "Below: the server's workers, each consuming \(server.queue) with prefetch \(Prefetch.describe(server.prefetch)).",
          "Everything goes through the broker. F8 runs a guided tour. Any key closes this.",
        ],
        lines: Self.keymap.helpLines + ClientDashboard.keymap.helpLines, into: &buffer)
    }
  }

  private func renderHeader(into buffer: inout ScreenBuffer) {
    buffer.fill(row: 0, style: .bar)
    let workers: String
    switch client.workersListening {
    case .some(.some(let count)): workers = "consumers on \(client.queue): \(count)"
    case .some(.none): workers = "no \(client.queue)!"
    case .none: workers = "consumers ?"
    }
    var parts = [
      "rpc-demo", client.status.label, workers, tourRunning ? "TOUR (F8 stops)" : "F8 tour",
      client.brokerURL,
    ]
    if let tls = client.tls { parts.append(tls) }
    parts.append(client.serverProduct)
    buffer.write(" " + parts.joined(separator: " │ "), row: 0, column: 0, style: .bar)
  }
}
