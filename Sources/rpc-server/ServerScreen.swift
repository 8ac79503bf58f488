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
final class ServerScreen: Sendable {
  let server: RPCServer
  let connection: AMQPConnection
  private let inbox = NIOLockedValueBox<[RPCServerEvent]>([])
  private let status = NIOLockedValueBox<ConnectionStatus>(.connected)
  private let queueStatus = NIOLockedValueBox<(ready: UInt32, consumers: UInt32)?>(nil)
  private let stopRequested = NIOLockedValueBox(false)
  private let draining = NIOLockedValueBox(false)
  private let notices = NIOLockedValueBox<[String]>([])

  init(server: RPCServer, connection: AMQPConnection) {
    self.server = server
    self.connection = connection
  }

  /// Shows the screen until the user quits or a signal arrives; either way the workers are
  /// drained (with the screen still up, saying so) before this returns.
  func run(signals: SignalWatcher) async {
    let events = server.events()
    let pumps = [
      Task { for await event in events { inbox.withLockedValue { $0.append(event) } } },
      Task {
        for await event in connection.events { status.withLockedValue { $0 = $0.applying(event) } }
      },
      Task {
        let reason = await connection.closed()
        status.withLockedValue { $0 = .closed(reason: reason.message) }
      },
      Task { await refreshQueueStatus() },
      Task {
        _ = await signals.next()
        startDrain()
      },
    ]
    await TerminalLoop.onDedicatedThread(name: "rpc-server-ui") { [self] in uiLoop() }
    for pump in pumps { pump.cancel() }
  }

  private func refreshQueueStatus() async {
    while !Task.isCancelled {
      if let info = try? await server.queueStatus() {
        queueStatus.withLockedValue { $0 = (info.messageCount, info.consumerCount) }
      }
      try? await Task.sleep(for: .seconds(1))  // a refresh period, not a synchronisation
    }
  }

  private func uiLoop() {
    let terminal = CursesTerminal(environment: ProcessInfo.processInfo.environment)
    defer { terminal.restore() }
    let origin = server.queue.declaredType.map { "declared \($0.rawValue)" } ?? "existing"
    var dashboard = ServerDashboard(
      brokerURL: connection.configuration.redactedURL, queue: server.configuration.queue,
      queueOrigin: origin, prefetch: server.prefetch, work: server.configuration.work,
      maximumN: server.configuration.maximumN)
    dashboard.asciiOnly = !terminal.supportsUnicode
    TerminalLoop.run(
      terminal: terminal,
      render: { buffer in
        let now = NIODeadline.now()
        for event in inbox.withLockedValue({ events in
          defer { events = [] }
          return events
        }) {
          dashboard.apply(event)
        }
        for notice in notices.withLockedValue({ items in
          defer { items = [] }
          return items
        }) {
          dashboard.say(notice, style: .error, now: now)
        }
        dashboard.status = status.withLockedValue { $0 }
        dashboard.queueStatus = queueStatus.withLockedValue { $0 }
        dashboard.draining = draining.withLockedValue { $0 }
        dashboard.update(stats: server.stats(), handledTotal: server.handledCount, now: now)
        dashboard.render(into: &buffer, now: now)
        return dashboard.isAnimating(now: now)
      },
      handle: { key in
        for command in dashboard.handle(key, now: .now()) {
          perform(command)
        }
        return true
      },
      shouldStop: { stopRequested.withLockedValue { $0 } })
  }

  private func perform(_ command: ServerDashboard.Command) {
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

  /// Stops every worker gracefully, then ends the screen.
  private func startDrain() {
    let first = draining.withLockedValue { draining in
      defer { draining = true }
      return !draining
    }
    guard first else { return }
    let server = self.server
    let stop = self.stopRequested
    Task {
      await server.shutdown()
      stop.withLockedValue { $0 = true }
    }
  }
}
