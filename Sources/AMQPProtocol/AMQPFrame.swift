import NIOCore

/// One AMQP 0-9-1 frame.
public enum AMQPFrame: Sendable, Hashable {
  /// A method frame.
  case method(channel: UInt16, AMQPMethod)
  /// A content header frame, following a content-bearing method.
  case header(channel: UInt16, AMQPContentHeader)
  /// A content body frame: one slice of the body.
  case body(channel: UInt16, ByteBuffer)
  /// A heartbeat frame (always on channel 0).
  case heartbeat

  /// The channel the frame belongs to.
  public var channel: UInt16 {
    switch self {
    case .method(let channel, _), .header(let channel, _), .body(let channel, _): channel
    case .heartbeat: 0
    }
  }
}

/// Frame type octets and framing constants from the spec.
public enum AMQPFraming {
  /// Frame type of a method frame.
  public static let methodFrameType: UInt8 = 1
  /// Frame type of a content header frame.
  public static let headerFrameType: UInt8 = 2
  /// Frame type of a content body frame.
  public static let bodyFrameType: UInt8 = 3
  /// Frame type of a heartbeat frame.
  public static let heartbeatFrameType: UInt8 = 8
  /// The octet that ends every frame.
  public static let frameEnd: UInt8 = 0xCE
  /// Bytes of framing around a payload: 7 of header and 1 frame-end.
  public static let frameOverhead = 8
  /// The smallest frame_max a peer may negotiate.
  public static let minimumFrameMax: UInt32 = 4096
  /// The protocol header a client sends first: `AMQP 0 0 9 1`.
  public static let protocolHeader: [UInt8] = Array("AMQP".utf8) + [0, 0, 9, 1]
}
