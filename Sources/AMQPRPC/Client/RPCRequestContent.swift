import AMQPProtocol
import NIOCore

/// What one call sends, before the client adds its ids, `reply_to` and deadline.
struct RPCRequestContent: Sendable {
  var body: ByteBuffer
  /// The queue to call; the client's configured one when `nil`.
  var queue: String? = nil
  var contentType: String? = nil
  /// `nil` for none (no table on the wire).
  var headers: AMQPFieldTable? = nil
  /// n, for a Fibonacci call (shown by the screens).
  var n: Int? = nil
  /// What the screens show for the request instead of n: a raw call's text, cut short.
  var label: String? = nil

  init(
    body: ByteBuffer, queue: String? = nil, contentType: String? = nil,
    headers: AMQPFieldTable = [:], n: Int? = nil, label: String? = nil
  ) {
    self.body = body
    self.queue = queue
    self.contentType = contentType
    self.headers = headers.isEmpty ? nil : headers
    self.n = n
    self.label = label
  }
}
