import AMQPClient

extension RPCLinkEvent: CustomStringConvertible {
  /// One line for a screen or a log: `connection lost (…): 3 calls failed, 1 to resend`.
  public var description: String {
    switch self {
    case .lost(let reason, let failed, let resent):
      "connection lost (\(reason)): \(Self.calls(failed)) failed, \(resent) to resend"
    case .reconnecting(let attempt, let delay):
      "reconnecting: attempt \(attempt) in \(Self.seconds(delay))"
    case .recovered(let downtime, let replyTo, let released):
      "recovered after \(Self.seconds(downtime)); reply_to \(replyTo); "
        + "\(Self.calls(released)) sent that waited"
    case .callbackQueueLost(let queue, let failed, let resent):
      "callback queue \(queue) deleted: \(Self.calls(failed)) failed, \(resent) to resend"
    case .callbackQueueReplaced(let old, let new, let released):
      "new callback queue \(new) (was \(old)); \(Self.calls(released)) sent that waited"
    case .blocked(let reason):
      "broker blocked publishing (\(reason)): calls wait, their timeouts running"
    case .unblocked(let released):
      "broker unblocked publishing; \(Self.calls(released)) sent that waited"
    case .closed(let reason):
      "connection closed for good (\(reason)): no call can be made"
    }
  }

  /// `1 call`, `3 calls`.
  package static func calls(_ count: Int) -> String {
    count == 1 ? "1 call" : "\(count) calls"
  }

  /// `2.4 s`, `0.5 s`, `12.0 s`: tenths of a second, rounded.
  package static func seconds(_ duration: Duration) -> String {
    let (whole, attoseconds) = duration.components
    let tenths =
      whole.multipliedReportingOverflow(by: 10).partialValue
      &+ (attoseconds + 50_000_000_000_000_000) / 100_000_000_000_000_000
    return "\(tenths / 10).\(abs(tenths % 10)) s"
  }
}
