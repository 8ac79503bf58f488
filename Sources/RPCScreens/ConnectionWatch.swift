import AMQPClient
import NIOConcurrencyHelpers
import RPCDashboards

/// Follows a connection's blocked/unblocked notifications and its end, for a header.
struct ConnectionWatch: Sendable {
  let status = NIOLockedValueBox<ConnectionStatus>(.connected)

  /// Tasks that keep ``status`` current until cancelled.
  func start(_ connection: AMQPConnection) -> [Task<Void, Never>] {
    let status = self.status
    return [
      Task {
        for await event in connection.events() {
          status.withLockedValue { $0 = $0.applying(event) }
        }
      },
      Task {
        let reason = await connection.closed()
        status.withLockedValue { $0 = .closed(reason: reason.message) }
      },
    ]
  }

  var current: ConnectionStatus { status.withLockedValue { $0 } }
}

/// A locked list that producers append to and the screen drains once per frame.
struct Inbox<Element: Sendable>: Sendable {
  private let items = NIOLockedValueBox<[Element]>([])

  func append(_ element: Element) { items.withLockedValue { $0.append(element) } }

  func drain() -> [Element] {
    items.withLockedValue { items in
      defer { items = [] }
      return items
    }
  }
}
