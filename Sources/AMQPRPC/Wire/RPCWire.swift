import AMQPProtocol
import NIOCore

/// The wire contract shared with RabbitMQ's tutorial-six peers in every language, plus our
/// additions, which travel only in headers so that tutorial peers still interoperate.
public enum RPCWire {
  /// The queue servers consume and clients publish to, through the default exchange.
  public static let defaultQueue = "rpc_queue"
  /// RabbitMQ's pseudo-queue for Direct Reply-to.
  public static let directReplyTo = "amq.rabbitmq.reply-to"

  /// Reply header: which worker answered (`"<host>/<pid>/w<n>"`).
  public static let workerHeader = "x-rpc-worker"
  /// Reply header: when the server received the request, µs since the Unix epoch.
  public static let receivedHeader = "x-rpc-received-us"
  /// Reply header: when the server published the reply, µs since the Unix epoch.
  public static let repliedHeader = "x-rpc-replied-us"
  /// Reply header: why the request failed; the body is then empty.
  public static let errorHeader = "x-rpc-error"
  /// Reply header: the failure's kind (see ``RPCServerErrorKind``).
  public static let errorKindHeader = "x-rpc-error-kind"
  /// Request header: the caller's deadline, µs since the Unix epoch; a server skips work whose
  /// deadline has passed.
  public static let deadlineHeader = "x-rpc-deadline-us"

  /// The request body for `n`: its decimal text.
  public static func requestBody(_ n: Int) -> String { String(n) }

  /// ``requestBody(_:)`` in a buffer; the bodies of n ≤ 92 (all a server can answer) are
  /// made once and shared, so a call allocates none.
  static func requestBuffer(_ n: Int) -> ByteBuffer {
    smallRequestBuffers.indices.contains(n)
      ? smallRequestBuffers[n] : ByteBuffer(string: requestBody(n))
  }

  private static let smallRequestBuffers = (0...92).map { ByteBuffer(string: requestBody($0)) }
}
