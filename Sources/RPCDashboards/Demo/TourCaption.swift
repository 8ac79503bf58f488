/// The captions of rpc-demo's guided tour, each short enough to show whole in the two rows
/// the demo gives it at 80 columns (for numbers up to four digits and the default queue
/// name): the callback queue, long and in the header, is not repeated here.
package enum TourCaption {
  package static let timing =
    "Tour — timing a few calls one at a time, to size each step for this machine and build."

  package static func single(n: Int, queue: String) -> String {
    "Tour 1/5 — one request: fib(\(n)) to \(queue), with reply_to (in the header) and a "
      + "fresh correlation id: in flight, then completed."
  }

  package static func burst(count: Int, n: Int, prefetch: UInt16) -> String {
    let holds =
      switch prefetch {
      case 0: "any number"
      case 1: "one request"
      default: "up to \(prefetch)"
      }
    return "Tour 2/5 — a burst of \(count) × fib(\(n)): with prefetch "
      + "\(Prefetch.describe(prefetch)) each worker holds \(holds) at a time, so the broker "
      + "spreads them over every worker."
  }

  package static func paused(worker: Int, count: Int) -> String {
    "Tour 3/5 — w\(worker) is paused: its consumer is cancelled, so the broker sends the next "
      + "\(count) requests to the other workers only."
  }

  package static func resumed(worker: Int, count: Int) -> String {
    "Tour 3/5 — w\(worker) resumed: it consumes again and takes its share of the next \(count)."
  }

  package static func late(n: Int) -> String {
    "Tour 4/5 — a late reply: fib(\(n)) with a 1 ms timeout. The call times out, the server "
      + "still answers, and the client discards the reply as late."
  }

  package static func unknown(among count: Int) -> String {
    "Tour 5/5 — an unknown reply among \(count) real ones: its correlation id was never ours, "
      + "so the client counts it and throws it away."
  }

  package static func finished(loop: Bool) -> String {
    "Tour finished. " + (loop ? "It starts again in a moment — F8 stops it." : "F8 runs it again.")
  }
}
