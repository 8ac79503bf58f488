import AMQPClient
import AMQPProtocol
import AMQPRPC
import NIOCore

/// The client's reply path on one arbitrary reply: matching by correlation id against a
/// waiting call, then reading the reply (error header, worker, timing split) as the client
/// does.
///
/// Invariants: nothing traps; a reply is matched only by the id of a waiting call, and a
/// matched call leaves the table; a second copy is never matched again.
package enum ReplyPathHarness {
  package enum Verdict: Hashable {
    case malformed, matched, late, duplicate, unknown
  }

  @discardableResult
  package static func run(_ input: inout FuzzInput) -> Verdict {
    let sentWall = input.integer(Int64.self)
    let receivedWall = input.integer(Int64.self)
    let waitingID = "c0ffee-\(input.integer(UInt8.self) % 4)"
    let timedOutID = "c0ffee-\(input.integer(UInt8.self) % 4 + 4)"
    guard case (let properties, let body)? = input.delivery() else { return .malformed }
    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var table = PendingCallTable<Int>()
    _ = table.register(
      .init(id: waitingID, n: 5, sentAt: now, deadline: now + .seconds(1), waiter: 1))
    _ = table.register(.init(id: timedOutID, n: 6, sentAt: now, deadline: now, waiter: 2))
    _ = table.expire(now: now + .milliseconds(1))
    let id = properties.correlationID ?? ""
    let ours = id.hasPrefix("c0ffee-")
    let message = AMQPMessage(
      deliveryTag: 1, redelivered: false, exchange: "", routingKey: "reply", consumerTag: "c",
      messageCount: nil, properties: properties, body: body)
    let verdict: Verdict
    switch table.resolve(id: id, issuedByUs: ours, now: now + .milliseconds(2)) {
    case .matched(let entry):
      fuzzCheck(id == waitingID, "matched \(id), which was not waiting")
      _ = RPCClient.result(
        of: message, id: id, n: entry.n, errorText: RPCClient.errorText(properties.headers ?? [:]),
        roundTrip: .milliseconds(2), sentWall: sentWall, receivedWall: receivedWall)
      fuzzCheck(table.count == 0, "the matched call stayed in the table")
      guard case .duplicate = table.resolve(id: id, issuedByUs: true, now: now) else {
        fuzzCheck(false, "a second copy of \(id) was not a duplicate")
        return .matched
      }
      verdict = .matched
    case .late(let late, _):
      fuzzCheck(late == timedOutID, "late \(late), which did not time out")
      verdict = .late
    case .duplicate:
      verdict = .duplicate
    case .unknown:
      fuzzCheck(id != waitingID, "the waiting call's reply was unknown")
      verdict = .unknown
    }
    // Whatever it was, its timing split and error text read without trapping.
    _ = RPCClient.timing(properties.headers ?? [:], sent: sentWall, received: receivedWall)
    return verdict
  }
}
