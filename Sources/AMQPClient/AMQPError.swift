import AMQPProtocol

/// The one error type of the AMQP client.
///
/// Match on ``code`` with the static members of ``Code``; the set can grow without breaking
/// users, so keep a fallback branch. When the broker closed a channel or the connection,
/// ``replyCode``, ``replyText`` and the ids of the method that caused it say why.
public struct AMQPError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of failure.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    enum Base: String, Sendable {
      case invalidURL = "invalid URL"
      case connectFailed = "connect failed"
      case connectionTimeout = "connection timeout"
      case protocolViolation = "protocol violation"
      case authenticationFailed = "authentication failed"
      case accessRefused = "access refused"
      case connectionClosedByServer = "connection closed by server"
      case connectionClosed = "connection closed"
      case channelClosedByServer = "channel closed by server"
      case channelClosed = "channel closed"
      case heartbeatTimeout = "heartbeat timeout"
      case channelLimitReached = "channel limit reached"
      case unsupported = "unsupported"
      case consumerCancelled = "consumer cancelled"
      case invalidArgument = "invalid argument"
      case shortStringTooLong = "short string too long"
      case reconnecting = "reconnecting"
      case tlsHandshakeFailed = "TLS handshake failed"
      case invalidTLSConfiguration = "invalid TLS configuration"
    }
    let base: Base

    /// The AMQP URL could not be parsed.
    public static let invalidURL = Code(base: .invalidURL)
    /// The TCP connection could not be made (refused, unreachable, name not resolved).
    public static let connectFailed = Code(base: .connectFailed)
    /// The TCP connect or the AMQP handshake did not finish within the connection timeout.
    public static let connectionTimeout = Code(base: .connectionTimeout)
    /// The peer sent bytes or frames that break the protocol (including non-AMQP peers).
    public static let protocolViolation = Code(base: .protocolViolation)
    /// The broker refused the credentials.
    public static let authenticationFailed = Code(base: .authenticationFailed)
    /// The broker refused access, for example to an unknown virtual host.
    public static let accessRefused = Code(base: .accessRefused)
    /// The broker closed the connection; see ``AMQPError/replyCode``.
    public static let connectionClosedByServer = Code(base: .connectionClosedByServer)
    /// The connection is closed (by the application, or the socket went away).
    public static let connectionClosed = Code(base: .connectionClosed)
    /// The broker closed this channel (for example 404 NOT_FOUND, 406 PRECONDITION_FAILED).
    public static let channelClosedByServer = Code(base: .channelClosedByServer)
    /// The channel is closed.
    public static let channelClosed = Code(base: .channelClosed)
    /// The peer sent nothing for two heartbeat intervals.
    public static let heartbeatTimeout = Code(base: .heartbeatTimeout)
    /// Every channel id up to the negotiated channel_max is in use.
    public static let channelLimitReached = Code(base: .channelLimitReached)
    /// A feature this client does not offer (for example a login mechanism the broker lacks).
    public static let unsupported = Code(base: .unsupported)
    /// The broker cancelled a consumer (for example because its queue was deleted).
    public static let consumerCancelled = Code(base: .consumerCancelled)
    /// An argument was out of range (for example a name longer than 255 bytes).
    public static let invalidArgument = Code(base: .invalidArgument)
    /// A name, key or id the application gave is longer than the 255 bytes of UTF-8 an AMQP
    /// short string holds (a routing key, queue or exchange name, consumer tag, a `headers`
    /// or `arguments` key, `correlation_id`, `reply_to`…); the message names it and its
    /// length. Nothing was sent.
    public static let shortStringTooLong = Code(base: .shortStringTooLong)
    /// The link to the broker was lost and the connection is recovering: the channel cannot
    /// publish or send methods until ``AMQPConnectionEvent/recovered(_:)``. Nothing was sent.
    public static let reconnecting = Code(base: .reconnecting)
    /// TLS could not be set up with the broker; the message names the cause: an untrusted
    /// certificate authority, a host-name mismatch, an expired certificate, a refused client
    /// certificate, or a port that does not speak TLS (a plain `amqp` port).
    public static let tlsHandshakeFailed = Code(base: .tlsHandshakeFailed)
    /// The TLS settings cannot be used: an unreadable or empty PEM file, a certificate
    /// without its key, EXTERNAL without a client certificate. Nothing was sent.
    public static let invalidTLSConfiguration = Code(base: .invalidTLSConfiguration)

    public var description: String { base.rawValue }
  }

  /// The kind of failure.
  public var code: Code
  /// A human-readable explanation.
  public var message: String
  /// The AMQP reply code when the broker closed a channel or the connection.
  public var replyCode: UInt16?
  /// The broker's reply text, when it sent one.
  public var replyText: String?
  /// The class and method ids of the method that caused a close, when the broker named one.
  public var failingMethod: AMQPMethodID?
  /// The decoding error, for ``Code/protocolViolation``.
  public var protocolError: AMQPProtocolError?

  public init(
    _ code: Code, _ message: String, replyCode: UInt16? = nil, replyText: String? = nil,
    failingMethod: AMQPMethodID? = nil, protocolError: AMQPProtocolError? = nil
  ) {
    self.code = code
    self.message = message
    self.replyCode = replyCode
    self.replyText = replyText
    self.failingMethod = failingMethod
    self.protocolError = protocolError
  }

  public var description: String {
    var text = "\(code): \(message)"
    if let replyCode, let replyText, !message.contains(replyText) {
      text += " (\(replyCode) \(replyText))"
    }
    if let failingMethod, failingMethod.classID != 0 { text += " [method \(failingMethod)]" }
    return text
  }
}

extension AMQPError {
  /// The application gave a short string longer than 255 bytes.
  static func shortStringTooLong(_ oversized: AMQPOversizedShortString) -> AMQPError {
    AMQPError(.shortStringTooLong, oversized.description)
  }

  /// The link is down, or `channel` is not open again yet.
  static func recovering(channel: UInt16? = nil) -> AMQPError {
    AMQPError(
      .reconnecting,
      "the connection to the broker was lost and is recovering"
        + (channel.map { "; channel \($0) is not open again yet" } ?? ""))
  }

  static func protocolViolation(_ error: AMQPProtocolError) -> AMQPError {
    AMQPError(.protocolViolation, error.description, protocolError: error)
  }

  /// An error for a `connection.close` or `channel.close` the broker sent.
  static func closedByServer(_ code: Code, _ scope: String, _ close: AMQPMethod.Connection.Close)
    -> AMQPError
  {
    AMQPError(
      code,
      "the broker closed the \(scope): \(close.replyCode) \(close.replyText)"
        + hint(forReplyText: close.replyText),
      replyCode: close.replyCode, replyText: close.replyText,
      failingMethod: AMQPMethodID(classID: close.classID, methodID: close.methodID))
  }

  /// What to do about a refusal whose text alone does not say it.
  static func hint(forReplyText text: String) -> String {
    // RabbitMQ 4.3 denies the deprecated feature by default, closing the connection with
    // 541 INTERNAL_ERROR (https://www.rabbitmq.com/docs/deprecated-features).
    if text.contains("transient_nonexcl_queues") {
      return " (RabbitMQ refuses queues that are neither durable nor exclusive: declare the "
        + "queue durable, or exclusive for a private one)"
    }
    return ""
  }
}

/// AMQP reply codes used by the client.
enum ReplyCode {
  static let success: UInt16 = 200
  static let accessRefused: UInt16 = 403
  static let notFound: UInt16 = 404
  static let frameError: UInt16 = 501
  static let syntaxError: UInt16 = 502
  static let commandInvalid: UInt16 = 503
  static let channelError: UInt16 = 504
  static let unexpectedFrame: UInt16 = 505
  static let notAllowed: UInt16 = 530
}
