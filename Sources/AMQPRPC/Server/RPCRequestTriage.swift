import AMQPProtocol
import NIOCore

/// What a worker does with one delivery, decided from the delivery alone: pure, so that every
/// input a peer can send is covered by tests and the request-path fuzzer.
package struct RPCRequestTriage: Sendable {
  package enum Decision: Sendable {
    /// Nowhere to answer (no or empty `reply_to`): reject without requeue, so it cannot loop.
    case reject(reason: String)
    /// Answer with an error reply.
    case refuse(RPCServerErrorKind, message: String, replyTo: String)
    /// Hand it to the handler.
    case handle(RPCServerRequest)
  }

  /// Bodies longer than this are refused before any handler sees them.
  let maximumBodyBytes: Int
  /// The worker's name, for the request.
  let worker: String

  package init(maximumBodyBytes: Int, worker: String) {
    self.maximumBodyBytes = maximumBodyBytes
    self.worker = worker
  }

  /// The decision for a request with `properties` and `body`, received at `receivedWall`
  /// (µs since the Unix epoch).
  package func decide(
    properties: AMQPBasicProperties, body: ByteBuffer, redelivered: Bool = false,
    receivedWall: Int64
  ) -> Decision {
    guard let replyTo = properties.replyTo, !replyTo.isEmpty else {
      return .reject(reason: "request without reply_to rejected")
    }
    let deadline = RPCHeaderValues.microseconds(properties.headers?[RPCWire.deadlineHeader])
    if let deadline, receivedWall > deadline {
      let late = receivedWall.saturatingDifference(deadline) / 1_000
      return .refuse(
        .expired, message: "deadline passed \(late) ms before work began", replyTo: replyTo)
    }
    guard body.readableBytes <= maximumBodyBytes else {
      return .refuse(
        .invalidInput,
        message: "request body of \(body.readableBytes) bytes exceeds \(maximumBodyBytes)",
        replyTo: replyTo)
    }
    return .handle(
      RPCServerRequest(
        body: body, properties: properties,
        correlationID: properties.correlationID ?? properties.messageID ?? "",
        replyTo: replyTo, redelivered: redelivered, deadlineMicroseconds: deadline,
        worker: worker))
  }

  /// What a reply says: the handler's response, or an error.
  package enum ReplyContent: Sendable {
    case response(RPCServerResponse)
    case error(RPCServerErrorKind, message: String)
  }

  /// The reply to a request with `request` properties: its headers, and the request's
  /// `correlation-id` exactly as it came (absent stays absent, empty stays empty, bytes that
  /// are not UTF-8 stay as they were) — or, when it has none, its `message-id` the same way,
  /// which is how RabbitMQ 4.x's AMQP 1.0 requesters match replies.
  package static func reply(
    _ content: ReplyContent, to request: AMQPBasicProperties, worker: String,
    receivedWall: Int64, repliedWall: Int64
  ) -> (properties: AMQPBasicProperties, body: ByteBuffer) {
    var properties = AMQPBasicProperties()
    let body: ByteBuffer
    var headers: AMQPFieldTable
    switch content {
    case .response(let response):
      body = response.body
      properties.contentType = response.contentType
      headers = response.headers
      headers[RPCWire.errorHeader] = nil
      headers[RPCWire.errorKindHeader] = nil
    case .error(let kind, let message):
      body = ByteBuffer()
      headers = [
        RPCWire.errorHeader: .string(message), RPCWire.errorKindHeader: .string(kind.rawValue),
      ]
    }
    headers[RPCWire.workerHeader] = .string(worker)
    headers[RPCWire.receivedHeader] = .int64(receivedWall)
    headers[RPCWire.repliedHeader] = .int64(repliedWall)
    properties.headers = headers
    if request.correlationID != nil {
      properties.correlationID = request.correlationID
      if !request.shortStringsAreUTF8 { properties.correlationIDBytes = request.correlationIDBytes }
    } else if request.messageID != nil {
      properties.correlationIDBytes = request.messageIDBytes
    }
    return (properties, body)
  }
}
