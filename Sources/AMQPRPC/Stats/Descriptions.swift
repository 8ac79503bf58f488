/// Short descriptions for logs and `print`, instead of every stored field (a stats snapshot
/// holds up to 1,000 recent calls with their bodies).
extension RPCClientStats: CustomStringConvertible {
  /// `sent 200: ok 198, error 2, in flight 0; discarded 1 late; latency p50 158 µs, …`.
  public var description: String {
    let outcomes = RPCOutcome.allCases.compactMap { outcome -> String? in
      let count = count(outcome)
      return outcome == .ok || count > 0 ? "\(outcome.rawValue) \(count)" : nil
    }
    let discards = RPCDiscardKind.allCases.compactMap { kind -> String? in
      let count = count(kind)
      return count > 0 ? "\(count) \(kind.rawValue)" : nil
    }
    return "sent \(sent): " + (outcomes + ["in flight \(inFlight)"]).joined(separator: ", ")
      + (discards.isEmpty ? "" : "; discarded " + discards.joined(separator: ", "))
      + "; latency \(latency)"
  }
}

extension LatencySummary: CustomStringConvertible {
  /// `p50 158 µs, p90 …, p99 …, max … (200 calls)`.
  public var description: String {
    guard count > 0 else { return "no calls" }
    return "p50 \(p50) µs, p90 \(p90) µs, p99 \(p99) µs, max \(max) µs (\(count) calls)"
  }
}

extension RPCReply: CustomStringConvertible {
  /// `reply to 3f9a1c2e-17 from host-1/w2 after 1.2 ms: 9227465` (the body as text, cut to
  /// 64 bytes).
  public var description: String {
    let text = String(decoding: body.readableBytesView.prefix(64), as: UTF8.self)
    return "reply to \(correlationID)" + (worker.map { " from \($0)" } ?? "")
      + " after \(roundTrip): \(text)" + (body.readableBytes > 64 ? "…" : "")
  }
}
