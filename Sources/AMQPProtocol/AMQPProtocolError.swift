import NIOCore

/// An error found while decoding bytes received from an AMQP peer.
///
/// The set of codes can grow without breaking users: match on ``code`` with the static
/// members of ``Code`` and always keep a fallback branch.
public struct AMQPProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, as an extensible set of codes.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    enum Base: String, Hashable, Sendable {
      case notAMQP = "not an AMQP peer"
      case protocolVersionMismatch = "protocol version mismatch"
      case frameTooLarge = "frame too large"
      case messageTooLarge = "message too large"
      case badFrameEnd = "bad frame-end octet"
      case unknownFrameType = "unknown frame type"
      case unknownMethod = "unknown class/method id"
      case truncatedPayload = "truncated payload"
      case invalidFieldType = "invalid field-table type tag"
      case invalidContentHeader = "invalid content header"
      case trailingBytes = "unexpected bytes after method arguments"
    }

    let base: Base

    /// The peer sent bytes that do not look like AMQP at all (for example an HTTP server).
    public static let notAMQP = Code(base: .notAMQP)
    /// The peer answered with a protocol header of a version it supports instead of ours.
    public static let protocolVersionMismatch = Code(base: .protocolVersionMismatch)
    /// A frame announced a size beyond the negotiated `frame_max` (a body frame), or beyond
    /// the message limit (any frame; see ``AMQPFrameDecoder/maximumMessageSize``).
    public static let frameTooLarge = Code(base: .frameTooLarge)
    /// A content header announced a body larger than ``AMQPFrameDecoder/maximumMessageSize``.
    public static let messageTooLarge = Code(base: .messageTooLarge)
    /// A frame did not end with the frame-end octet `0xCE`.
    public static let badFrameEnd = Code(base: .badFrameEnd)
    /// A frame's type octet is none of method, header, body or heartbeat.
    public static let unknownFrameType = Code(base: .unknownFrameType)
    /// A method frame named a class/method pair that the protocol does not define.
    public static let unknownMethod = Code(base: .unknownMethod)
    /// A frame's payload ended before all of its fields were read.
    public static let truncatedPayload = Code(base: .truncatedPayload)
    /// A field table contained a value with a type tag RabbitMQ does not define.
    public static let invalidFieldType = Code(base: .invalidFieldType)
    /// A content header frame was malformed.
    public static let invalidContentHeader = Code(base: .invalidContentHeader)
    /// A method frame carried more bytes than its arguments.
    public static let trailingBytes = Code(base: .trailingBytes)

    public var description: String { base.rawValue }
  }

  /// What went wrong.
  public var code: Code
  /// A human-readable explanation.
  public var message: String
  /// The class id of the method being decoded, when known.
  public var classID: UInt16?
  /// The method id of the method being decoded, when known.
  public var methodID: UInt16?
  /// Up to 32 of the offending bytes, for diagnostics.
  public var offendingBytes: [UInt8]

  public init(
    code: Code, message: String, classID: UInt16? = nil, methodID: UInt16? = nil,
    offendingBytes: [UInt8] = []
  ) {
    self.code = code
    self.message = message
    self.classID = classID
    self.methodID = methodID
    self.offendingBytes = Array(offendingBytes.prefix(32))
  }

  public var description: String {
    var text = "AMQP protocol error (\(code)): \(message)"
    if let classID, let methodID { text += " [class \(classID), method \(methodID)]" }
    if !offendingBytes.isEmpty {
      text += " bytes: " + offendingBytes.map { hexByte($0) }.joined(separator: " ")
    }
    return text
  }
}

private func hexByte(_ byte: UInt8) -> String {
  let digits = Array("0123456789abcdef")
  return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

extension AMQPProtocolError {
  static func truncated(_ what: String) -> AMQPProtocolError {
    AMQPProtocolError(code: .truncatedPayload, message: "payload ended while reading \(what)")
  }

  /// Returns a copy that names the method being decoded.
  func inMethod(classID: UInt16, methodID: UInt16) -> AMQPProtocolError {
    var copy = self
    copy.classID = classID
    copy.methodID = methodID
    return copy
  }
}
