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
    let held = stats.held
    return "draining \(held) request\(held == 1 ? "" : "s"): workers finish and acknowledge "
      + "what they hold…"
  }

  /// The worker table's line when no worker is listed.
  var noWorkersText: String {
    draining ? "every worker has ended; quitting" : "no workers — press + to add one"
  }

  /// `3/4`: requests a worker holds (delivered, not yet acknowledged) of its prefetch; the
  /// count alone when the prefetch is unlimited.
  static func heldText(_ worker: RPCWorkerStats) -> String {
    worker.prefetch == 0 ? "\(worker.held)" : "\(worker.held)/\(worker.prefetch)"
  }
}
