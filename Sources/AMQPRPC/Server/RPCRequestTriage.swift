import AMQPProtocol
import NIOCore

/// What a worker does with one delivery, decided from the delivery alone: pure, so that every
/// input a peer can send is covered by tests and the request-path fuzzer.
package struct RPCRequestTriage: Sendable {
  package enum Decision: Sendable, Hashable {
    /// Nowhere to answer (no or empty `reply_to`): reject without requeue, so it cannot loop.
    case reject(reason: String)
    /// Answer with an error reply.
    case refuse(RPCServerErrorKind, message: String, replyTo: String)
    /// Compute fib(n) and answer it.
    case compute(n: Int, replyTo: String)
  }

  let parser: RPCRequestParser

  package init(parser: RPCRequestParser) {
    self.parser = parser
  }

  /// The decision for a request with `properties` and `body`, received at `receivedWall`
  /// (µs since the Unix epoch).
  package func decide(properties: AMQPBasicProperties, body: ByteBuffer, receivedWall: Int64)
    -> Decision
  {
    guard let replyTo = properties.replyTo, !replyTo.isEmpty else {
      return .reject(reason: "request without reply_to rejected")
    }
    if let deadline = RPCHeaderValues.microseconds(properties.headers?[RPCWire.deadlineHeader]),
      receivedWall > deadline
    {
      let late = receivedWall.saturatingDifference(deadline) / 1_000
      return .refuse(
        .expired, message: "deadline passed \(late) ms before work began", replyTo: replyTo)
    }
    switch parser.parse(body) {
    case .failure(let refusal):
      return .refuse(refusal.kind, message: refusal.message, replyTo: replyTo)
    case .success(let n): return .compute(n: n, replyTo: replyTo)
    }
  }

  /// The reply to a request with `request` properties: its headers, and the request's
  /// `correlation-id` exactly as it came (absent stays absent, empty stays empty, bytes that
  /// are not UTF-8 stay as they were). `nil` for a rejection, which has no reply.
  package static func reply(
    _ outcome: RPCServerEvent.Outcome, to request: AMQPBasicProperties, worker: String,
    receivedWall: Int64, repliedWall: Int64
  ) -> (properties: AMQPBasicProperties, body: ByteBuffer)? {
    var headers: AMQPFieldTable = [
      RPCWire.workerHeader: .string(worker),
      RPCWire.receivedHeader: .int64(receivedWall),
      RPCWire.repliedHeader: .int64(repliedWall),
    ]
    let body: ByteBuffer
    switch outcome {
    case .answered(let value):
      body = ByteBuffer(string: String(value))
    case .refused(let kind, let message):
      headers[RPCWire.errorHeader] = .string(message)
      headers[RPCWire.errorKindHeader] = .string(kind.rawValue)
      body = ByteBuffer()
    case .rejected:
      return nil
    }
    var properties = AMQPBasicProperties(headers: headers, correlationID: request.correlationID)
    if !request.shortStringsAreUTF8 { properties.correlationIDBytes = request.correlationIDBytes }
    return (properties, body)
  }
}
