import NIOCore

/// Cuts AMQP frames out of a byte stream.
///
/// ``decodeFrame(from:)`` returns `nil` while a frame is incomplete and throws only when a
/// complete frame (or its header) is malformed. The announced size is checked before any
/// payload is buffered (see `AMQPFrameDecoder+Limits.swift`): a body frame against
/// ``maximumFrameSize``, the negotiated `frame_max`; a method or content-header frame, which
/// RabbitMQ sends whole whatever the `frame_max`, against the larger of that and
/// ``maximumUnsplitFrameSize`` (or ``maximumMessageSize`` if smaller); a body frame when
/// `frame_max` is 0 against ``maximumMessageSize``.
public struct AMQPFrameDecoder: Sendable {
  /// The largest body frame accepted, including the 8 bytes of framing: the negotiated
  /// `frame_max`. `0` means none was agreed; then ``maximumMessageSize`` bounds body frames.
  public var maximumFrameSize: UInt32
  /// The largest message accepted, in bytes: the most a content header may announce as its
  /// body size (so the body frames that follow cannot grow a message without bound), and
  /// the largest body frame when `frame_max` is 0 (RabbitMQ then sends a body in one frame).
  /// See ``defaultMaximumMessageSize``.
  public var maximumMessageSize: UInt32
  private var sawFirstByte = false
  private var recentStrings = RecentShortStrings()

  public init(
    maximumFrameSize: UInt32 = 131_072,
    maximumMessageSize: UInt32 = AMQPFrameDecoder.defaultMaximumMessageSize
  ) {
    self.maximumFrameSize = maximumFrameSize
    self.maximumMessageSize = maximumMessageSize
  }

  /// Decodes one frame from the front of `buffer`, consuming its bytes; returns `nil` and
  /// consumes nothing when more bytes are needed.
  public mutating func decodeFrame(from buffer: inout ByteBuffer) throws(AMQPProtocolError)
    -> AMQPFrame?
  {
    guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
    if !sawFirstByte {
      try checkGreeting(buffer)
      guard buffer.readableBytes >= 7 || Self.isFrameType(type) else { return nil }
    }
    guard Self.isFrameType(type) else {
      throw AMQPProtocolError(
        code: .unknownFrameType, message: "frame type \(type) is not 1, 2, 3 or 8",
        offendingBytes: buffer.getBytes(
          at: buffer.readerIndex, length: min(16, buffer.readableBytes))
          ?? [])
    }
    guard buffer.readableBytes >= 7,
      let channel = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt16.self),
      let size = buffer.getInteger(at: buffer.readerIndex + 3, as: UInt32.self)
    else { return nil }
    try checkSize(type: type, channel: channel, payload: size, header: buffer)
    let total = 7 + Int(size) + 1
    guard buffer.readableBytes >= total else { return nil }
    let endIndex = buffer.readerIndex + total - 1
    guard let end = buffer.getInteger(at: endIndex, as: UInt8.self), end == AMQPFraming.frameEnd
    else {
      throw AMQPProtocolError(
        code: .badFrameEnd,
        message: "frame on channel \(channel) ends with "
          + "0x\(String(buffer.getInteger(at: endIndex, as: UInt8.self) ?? 0, radix: 16)), not 0xce",
        offendingBytes: buffer.getBytes(at: endIndex, length: 1) ?? [])
    }
    sawFirstByte = true
    // A slice, no copy: bodies stay slices of the read buffer.
    guard var payload = buffer.getSlice(at: buffer.readerIndex + 7, length: Int(size)) else {
      return nil
    }
    buffer.moveReaderIndex(forwardBy: total)
    return try decodePayload(type: type, channel: channel, payload: &payload)
  }

  private static func isFrameType(_ type: UInt8) -> Bool {
    type == AMQPFraming.methodFrameType || type == AMQPFraming.headerFrameType
      || type == AMQPFraming.bodyFrameType || type == AMQPFraming.heartbeatFrameType
  }

  /// Tells a broker refusing our protocol version (it answers `AMQP` + its version) and a
  /// peer that is not AMQP at all from a merely unusual first frame.
  private func checkGreeting(_ buffer: ByteBuffer) throws(AMQPProtocolError) {
    let prefix = buffer.getBytes(at: buffer.readerIndex, length: min(8, buffer.readableBytes)) ?? []
    let amqp = Array("AMQP".utf8)
    if prefix.starts(with: amqp) || amqp.starts(with: prefix) {
      guard prefix.count == 8 else { return }  // wait for the whole header
      let version = prefix[4...].map(String.init).joined(separator: "-")
      throw AMQPProtocolError(
        code: .protocolVersionMismatch,
        message: "the server refused AMQP 0-9-1 and offered protocol \(version)",
        offendingBytes: prefix)
    }
    // A TLS record (alert 21, handshake 22…; version major 3): a TLS port answering plain AMQP.
    if let first = prefix.first, (20...23).contains(first) {
      guard prefix.count >= 2 else { return }
      if prefix[1] == 3 {
        throw AMQPProtocolError(
          code: .notAMQP,
          message: "the peer speaks TLS, not plain AMQP (it answered with a TLS record): "
            + "this is an amqps port; use amqps://",
          offendingBytes: prefix)
      }
    }
    if let first = prefix.first, !Self.isFrameType(first) {
      let sample =
        buffer.getBytes(at: buffer.readerIndex, length: min(32, buffer.readableBytes)) ?? []
      let printable = String(
        decoding: sample.map { (32...126).contains($0) ? $0 : 46 }, as: UTF8.self)
      throw AMQPProtocolError(
        code: .notAMQP, message: "the peer does not speak AMQP; it sent \"\(printable)\"",
        offendingBytes: sample)
    }
  }

  private mutating func decodePayload(type: UInt8, channel: UInt16, payload: inout ByteBuffer)
    throws(AMQPProtocolError) -> AMQPFrame
  {
    let frame = try withUnsafeMutablePointer(to: &recentStrings) {
      (strings) throws(AMQPProtocolError) in
      try Self.decodePayload(type: type, channel: channel, payload: &payload, strings: strings)
    }
    if case .header(_, let header) = frame { try checkBodySize(header, channel: channel) }
    return frame
  }

  private static func decodePayload(
    type: UInt8, channel: UInt16, payload: inout ByteBuffer,
    strings: UnsafeMutablePointer<RecentShortStrings>
  ) throws(AMQPProtocolError) -> AMQPFrame {
    switch type {
    case AMQPFraming.methodFrameType:
      return try payload.readAMQP(recentStrings: strings) { (reader) throws(AMQPProtocolError) in
        let method = try AMQPMethod.decode(from: &reader)
        guard reader.remaining == 0 else {
          throw AMQPProtocolError(
            code: .trailingBytes,
            message: "\(reader.remaining) bytes left after the arguments of \(method.name)",
            classID: method.classID, methodID: method.methodID,
            offendingBytes: reader.peek(16))
        }
        return .method(channel: channel, method)
      }
    case AMQPFraming.headerFrameType:
      return .header(
        channel: channel,
        try payload.readAMQP(recentStrings: strings) { (reader) throws(AMQPProtocolError) in
          try AMQPContentHeader(from: &reader)
        })
    case AMQPFraming.bodyFrameType:
      return .body(channel: channel, payload)
    default:
      return .heartbeat
    }
  }
}
