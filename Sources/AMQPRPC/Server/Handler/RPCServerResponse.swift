import AMQPProtocol
import NIOCore

/// What a handler answers: the reply's body, content type and headers. The server adds the
/// request's correlation id and its own `x-rpc-*` headers (which win over a handler's headers
/// of the same names; a handler reports a failure by throwing, see ``RPCHandlerError``).
public struct RPCServerResponse: Sendable, Hashable {
  /// The reply body.
  public var body: ByteBuffer
  /// The reply's `content_type` (MIME type), when set.
  public var contentType: String?
  /// Headers to send with the reply.
  public var headers: AMQPFieldTable

  public init(body: ByteBuffer, contentType: String? = nil, headers: AMQPFieldTable = [:]) {
    self.body = body
    self.contentType = contentType
    self.headers = headers
  }

  /// A UTF-8 text reply (`text/plain`).
  public init(text: String, headers: AMQPFieldTable = [:]) {
    self.init(body: ByteBuffer(string: text), contentType: "text/plain", headers: headers)
  }
}
