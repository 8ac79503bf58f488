import AMQPClient
import NIOConcurrencyHelpers
import RPCDashboards

/// Follows a connection — blocked/unblocked, lost, reconnecting, recovered, closed for
/// good — and the endpoint it is on, for a header.
struct ConnectionWatch: Sendable {
  let status = NIOLockedValueBox<ConnectionStatus>(.connected)
  private let url = NIOLockedValueBox<String?>(nil)

  /// Tasks that keep ``status`` and ``brokerURL`` current until cancelled.
  func start(_ connection: AMQPConnection) -> [Task<Void, Never>] {
    let status = self.status
    let url = self.url
    url.withLockedValue { $0 = connection.configuration.redactedURL }
    // Subscribed now, so that nothing after the screen starts is missed.
    let events = connection.events()
    return [
      Task {
        for await event in events {
          status.withLockedValue { $0 = $0.applying(event, now: .now()) }
          if case .recovered(let recovery) = event,
            let endpoint = connection.configurations.first(where: {
              $0.endpoint == recovery.endpoint
            })
          {
            url.withLockedValue { $0 = endpoint.redactedURL }
          }
        }
      },
      Task {
        let reason = await connection.closed()
        status.withLockedValue { $0 = .closed(reason: reason.message) }
      },
    ]
  }

  var current: ConnectionStatus { status.withLockedValue { $0 } }

  /// The (redacted) URL of the endpoint the connection is on now.
  var brokerURL: String? { url.withLockedValue { $0 } }
}
