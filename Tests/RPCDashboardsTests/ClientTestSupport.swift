import NIOCore

@testable import AMQPRPC
@testable import RPCDashboards

extension ClientDashboard {
  /// A connected client screen on `rpc_queue` with a 30 s timeout, as the tests start it.
  static func forTests(workersListening: Int? = nil) -> ClientDashboard {
    var dashboard = ClientDashboard(
      brokerURL: "amqp://guest:***@127.0.0.1:5672/%2F", serverProduct: "RabbitMQ 3.10.8",
      callbackQueue: "amq.gen-abc", queue: "rpc_queue", timeout: .seconds(30))
    dashboard.status = .connected
    if let workersListening { dashboard.workersListening = .some(workersListening) }
    return dashboard
  }
}

extension RPCClientStats {
  /// A snapshot whose counters are those of the lists given, so that they add up: `sent` =
  /// the ended calls + the calls in flight; a failed call counts under its error's outcome.
  static func addingUp(
    ended: [RPCEndedCall], inFlight: [RPCInFlightCall] = [], discarded: [RPCDiscardedReply] = [],
    latency: LatencySummary, completionsPerSecond: Double
  ) -> RPCClientStats {
    var outcomes: [RPCOutcome: Int] = [:]
    for call in ended {
      switch call.result {
      case .success: outcomes[.ok, default: 0] += 1
      case .failure(let error): outcomes[RPCOutcome(error.code), default: 0] += 1
      }
    }
    var kinds: [RPCDiscardKind: Int] = [:]
    for reply in discarded { kinds[reply.kind, default: 0] += 1 }
    return RPCClientStats(
      sent: ended.count + inFlight.count, outcomes: outcomes, discarded: kinds,
      inFlight: inFlight.count, oldestInFlight: inFlight, latency: latency,
      completionsPerSecond: completionsPerSecond, recentlyEnded: .init(ended),
      recentlyDiscarded: .init(discarded))
  }
}
