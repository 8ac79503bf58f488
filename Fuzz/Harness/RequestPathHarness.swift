import AMQPProtocol
import AMQPRPC
import NIOCore

/// The server's request path on one arbitrary delivery: triage (reply_to, deadline header,
/// body) → work → the reply, encoded and decoded again as the requester would see it.
///
/// Invariants: nothing traps; every delivery is answered or rejected (rejected only without
/// `reply_to`); the reply carries the request's `correlation-id` byte for byte (absent stays
/// absent) and an error reply has an empty body and an error kind.
package enum RequestPathHarness {
  package enum Verdict: Hashable {
    case malformed
    case rejected
    case answered
    case refused(RPCServerErrorKind)
  }

  @discardableResult
  package static func run(_ input: inout FuzzInput) -> Verdict {
    let maximumN = Int(input.integer(UInt8.self) % 93)
    let maximumBodyBytes = Int(input.integer(Int8.self))  // below 1 too
    let receivedWall = input.integer(Int64.self)
    guard case (let properties, let body)? = input.delivery() else { return .malformed }
    let triage = RPCRequestTriage(
      parser: RPCRequestParser(maximumN: maximumN, maximumBodyBytes: maximumBodyBytes))
    let outcome: RPCServerEvent.Outcome
    switch triage.decide(properties: properties, body: body, receivedWall: receivedWall) {
    case .reject:
      fuzzCheck((properties.replyTo ?? "").isEmpty, "rejected a request with reply_to")
      return .rejected
    case .refuse(let kind, let message, let replyTo):
      fuzzCheck(replyTo == properties.replyTo, "reply_to changed")
      outcome = .refused(kind, message: message)
    case .compute(let n, let replyTo):
      fuzzCheck((0...maximumN).contains(n), "n = \(n) outside 0…\(maximumN)")
      fuzzCheck(replyTo == properties.replyTo, "reply_to changed")
      outcome = .answered(value: fibonacci(n, mode: .iterative))
    }
    guard
      case (let replyProperties, let replyBody)? = RPCRequestTriage.reply(
        outcome, to: properties, worker: "fuzz/w1", receivedWall: receivedWall,
        repliedWall: receivedWall &+ 1)
    else {
      fuzzCheck(false, "no reply for \(outcome)")
      return .rejected
    }
    // On the wire and back, as the requester reads it.
    var wire = ByteBuffer()
    AMQPContentHeader(bodySize: UInt64(replyBody.readableBytes), properties: replyProperties)
      .encode(into: &wire)
    guard let echoed = try? AMQPContentHeader(from: &wire).properties else {
      fuzzCheck(false, "the reply's content header does not decode")
      return .malformed
    }
    fuzzCheck(
      echoed.correlationIDBytes == properties.correlationIDBytes,
      "correlation id \(String(describing: properties.correlationIDBytes)) came back as "
        + "\(String(describing: echoed.correlationIDBytes))")
    switch outcome {
    case .answered:
      fuzzCheck(echoed.headers?[RPCWire.errorHeader] == nil, "an answer with an error header")
      return .answered
    case .refused(let kind, _):
      fuzzCheck(replyBody.readableBytes == 0, "an error reply with a body")
      fuzzCheck(echoed.headers?[RPCWire.errorKindHeader] == .string(kind.rawValue), "error kind")
      return .refused(kind)
    case .rejected:
      return .rejected
    }
  }
}
