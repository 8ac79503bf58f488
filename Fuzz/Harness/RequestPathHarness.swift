import AMQPProtocol
import AMQPRPC
import NIOCore

/// The server's request path on one arbitrary delivery: triage (reply_to, deadline header,
/// body) → work → the reply, encoded and decoded again as the requester would see it.
///
/// Invariants: nothing traps; every delivery is answered or rejected (rejected only without
/// `reply_to`); the reply carries the request's `correlation-id` byte for byte (absent stays
/// absent; its `message-id` when it has no `correlation-id`) and an error reply has an empty body and an error kind.
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
    let triage = RPCRequestTriage(maximumBodyBytes: maximumBodyBytes, worker: "fuzz/w1")
    let parser = FibonacciRequestParser(maximumN: maximumN, maximumBodyBytes: maximumBodyBytes)
    let content: RPCRequestTriage.ReplyContent
    switch triage.decide(properties: properties, body: body, receivedWall: receivedWall) {
    case .reject:
      fuzzCheck((properties.replyTo ?? "").isEmpty, "rejected a request with reply_to")
      return .rejected
    case .refuse(let kind, let message, let replyTo):
      fuzzCheck(replyTo == properties.replyTo, "reply_to changed")
      content = .error(kind, message: message)
    case .handle(let request):
      fuzzCheck(request.replyTo == properties.replyTo, "reply_to changed")
      switch parser.parse(request.body) {
      case .success(let n):
        fuzzCheck((0...maximumN).contains(n), "n = \(n) outside 0…\(maximumN)")
        content = .response(FibonacciProcedure.response(fibonacci(n, mode: .iterative)))
      case .failure(let refusal):
        content = .error(refusal.kind, message: refusal.message)
      }
    }
    let (replyProperties, replyBody) = RPCRequestTriage.reply(
      content, to: properties, worker: "fuzz/w1", receivedWall: receivedWall,
      repliedWall: receivedWall &+ 1)
    // On the wire and back, as the requester reads it.
    var wire = ByteBuffer()
    AMQPContentHeader(bodySize: UInt64(replyBody.readableBytes), properties: replyProperties)
      .encode(into: &wire)
    guard let echoed = try? AMQPContentHeader(from: &wire).properties else {
      fuzzCheck(false, "the reply's content header does not decode")
      return .malformed
    }
    // The correlation id byte for byte, or the message id when there is none.
    let expected = properties.correlationIDBytes ?? properties.messageIDBytes
    fuzzCheck(
      echoed.correlationIDBytes == expected,
      "correlation id \(String(describing: expected)) came back as "
        + "\(String(describing: echoed.correlationIDBytes))")
    switch content {
    case .response:
      fuzzCheck(echoed.headers?[RPCWire.errorHeader] == nil, "an answer with an error header")
      return .answered
    case .error(let kind, _):
      fuzzCheck(replyBody.readableBytes == 0, "an error reply with a body")
      fuzzCheck(echoed.headers?[RPCWire.errorKindHeader] == .string(kind.rawValue), "error kind")
      return .refused(kind)
    }
  }
}
