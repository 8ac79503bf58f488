import AMQPClient
import AMQPRPC
import TerminalUI

/// The server's link and consumers on screen: the header's state (see ``ConnectionStatus``),
/// RESTORING in a worker's row, and the latest notice under the summary — facts first, the
/// broker's reason last, so that at 80 columns only the reason can be cut.
extension ServerDashboard {
  /// Takes a notice: the connection lost, reconnecting, recovered or blocked; a worker's
  /// consumer lost and restored.
  package mutating func apply(_ notice: RPCServerNotice) {
    latestNotice = Self.note(notice)
  }

  static func note(_ notice: RPCServerNotice) -> (text: String, style: StyleRole) {
    switch notice {
    case .connection(.disconnected(let error)):
      ("link lost: workers wait for it · \(error.message)", .warning)
    case .connection(.reconnecting(let attempt, _, let endpoint)):
      ("reconnecting to \(endpoint), attempt \(attempt)", .warning)
    case .connection(.recovered(let recovery)):
      (
        "recovered after \(Format.duration(recovery.downtime.timeAmount)) on "
          + "\(recovery.endpoint): workers consume again", .ok
      )
    case .connection(.recoveryFailed(let entity, let error)):
      ("could not restore \(entity) · \(error.message)", .error)
    case .connection(.blocked(let reason)):
      ("broker blocked publishing: replies wait · \(reason)", .warning)
    case .connection(.unblocked): ("broker unblocked publishing", .ok)
    case .consumerLost(let worker, let reason):
      ("\(shortName(worker)) RESTORING its consumer · \(reason)", .warning)
    case .consumerRestored(let worker, let queueDeclared):
      (
        "\(shortName(worker)) consumes again" + (queueDeclared ? " (queue declared anew)" : ""),
        .ok
      )
    case .replyRefused(let refused):
      (
        "\(shortName(refused.worker)) reply refused, request "
          + "\(refused.correlationID.isEmpty ? "-" : refused.correlationID) rejected · "
          + refused.reason, .error
      )
    }
  }

  /// `w1` from `vm-3692/w1`.
  static func shortName(_ worker: String) -> String {
    worker.split(separator: "/").last.map(String.init) ?? worker
  }
}
