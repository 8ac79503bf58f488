import AMQPClient
import AMQPRPC
import TerminalUI

/// The client's link to the broker on screen: the header's state (see ``ConnectionStatus``)
/// and a note under the input line saying what the latest break did — how many calls it
/// affected, how long it lasted, the callback queue after it — with the facts first and the
/// broker's reason last, so that at 80 columns only the reason can be cut.
extension ClientDashboard {
  mutating func applyLink(_ link: RPCLinkEvent) {
    switch link {
    case .lost(let reason, let failed, let resent):
      breakCalls = (failed, resent)
      let calls =
        failed + resent == 0
        ? "no call was in flight"
        : resent == 0
          ? "\(Self.calls(failed)) lost" : "\(Self.calls(failed)) lost, \(resent) to resend"
      linkNote = ("link lost: \(calls) · new calls wait · \(reason)", .warning)
    case .reconnecting:
      break  // the header counts down to the next attempt
    case .recovered(let downtime, let replyTo, _):
      // The header's state drops the downtime at 80 columns; the note keeps it.
      let renamed = replyTo != callbackQueue
      callbackQueue = replyTo
      linkNote = (
        "recovered after \(Format.duration(downtime.timeAmount)) · reply_to "
          + "\(renamed ? "now" : "still") \(replyTo) · \(breakText)", .ok
      )
    case .callbackQueueLost(_, let failed, let resent):
      // The header still names the deleted queue.
      breakCalls = (failed, resent)
      linkNote = (
        "callback queue deleted: \(Self.lostAndResent(failed, resent)) · declaring a new one",
        .warning
      )
    case .callbackQueueReplaced(_, let new, _):
      callbackQueue = new
      linkNote = (
        "reply_to now \(new) · \(Self.lostAndResent(breakCalls.lost, breakCalls.resent)) "
          + "with the old queue", .ok
      )
    case .blocked(let reason):
      linkNote = (
        "broker blocked publishing: new calls wait, timeouts running · \(reason)", .warning
      )
    case .unblocked(let released):
      linkNote = (
        "broker unblocked publishing"
          + (released > 0 ? ": \(Self.calls(released)) that waited sent" : ""), .ok
      )
    case .closed(let reason):
      linkNote = ("connection closed for good: no call can be made · \(reason)", .error)
    }
  }

  /// `3 calls lost in the break`, `3 calls lost, 1 resent in the break`.
  private var breakText: String {
    breakCalls.lost + breakCalls.resent == 0
      ? "no call lost in the break"
      : "\(Self.lostAndResent(breakCalls.lost, breakCalls.resent)) in the break"
  }

  /// `3 calls lost`, `2 calls lost, 1 resent`, `1 call resent`, `no call lost`.
  static func lostAndResent(_ lost: Int, _ resent: Int) -> String {
    switch (lost, resent) {
    case (0, 0): "no call lost"
    case (_, 0): "\(calls(lost)) lost"
    case (0, _): "\(calls(resent)) resent"
    default: "\(calls(lost)) lost, \(resent) resent"
    }
  }

  static func calls(_ count: Int) -> String { RPCLinkEvent.calls(count) }
}
