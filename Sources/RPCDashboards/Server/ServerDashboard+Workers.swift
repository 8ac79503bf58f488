import AMQPRPC
import NIOCore
import TerminalUI

/// Adding, removing and draining workers as the screen tells them: a transient message
/// replaced by the outcome once the snapshot shows it, and the draining line's count.
extension ServerDashboard {
  /// Replaces "adding…" and "removing…" once the snapshot shows the worker listed or gone.
  mutating func noteFinishedActions(appeared: Set<Int>, live: Set<Int>, now: NIODeadline) {
    addsAwaited.removeAll { $0 <= now }
    for id in appeared.sorted() where !addsAwaited.isEmpty {
      addsAwaited.removeFirst()
      let prefetch = stats.workers.first { $0.id == id }.map { Prefetch.describe($0.prefetch) }
      say("w\(id) added: consuming \(queue), prefetch \(prefetch ?? "?")", style: .ok, now: now)
    }
    for id in removalsAwaited.sorted() where !live.contains(id) {
      removalsAwaited.remove(id)
      say("w\(id) removed: it ended after what it held", style: .ok, now: now)
    }
  }

  /// The message line while the workers drain before quitting.
  var drainingText: String {
    let held = heldTotal
    return "draining \(held) request\(held == 1 ? "" : "s"): workers finish and acknowledge "
      + "what they hold…"
  }

  /// The worker table's line when no worker is listed.
  var noWorkersText: String {
    draining ? "every worker has ended; quitting" : "no workers — press \(addWorkerKey) to add one"
  }

  /// Whether `worker` has no link now: its own connection's state when the workers are
  /// spread over several connections (one per node), else the screen's one connection's.
  func hasNoLink(_ worker: RPCWorkerStats) -> Bool {
    !worker.connected || (status.isDown && !spreadOverNodes)
  }

  /// Requests `worker` holds: none while its link is down, whatever the last snapshot
  /// says, since the broker took back every unacknowledged delivery with the connection.
  func held(_ worker: RPCWorkerStats) -> Int { hasNoLink(worker) ? 0 : worker.held }

  /// Requests every worker holds (none on a link that is down).
  var heldTotal: Int { stats.workers.map(held).reduce(0, +) }

  /// `3/4`: requests a worker holds (delivered, not yet acknowledged) of its prefetch; the
  /// count alone when the prefetch is unlimited.
  func heldText(_ worker: RPCWorkerStats) -> String {
    worker.prefetch == 0 ? "\(held(worker))" : "\(held(worker))/\(worker.prefetch)"
  }

  /// What a worker's row says it does: while the link is down an idle or busy worker does
  /// nothing (its request went back to the queue) and says so.
  func stateForms(_ worker: RPCWorkerStats) -> [String] {
    switch worker.state {
    case .idle, .busy: hasNoLink(worker) ? ["NO LINK"] : Self.stateForms(worker.state)
    case .stopping, .paused, .restoring, .stopped: Self.stateForms(worker.state)
    }
  }
}
