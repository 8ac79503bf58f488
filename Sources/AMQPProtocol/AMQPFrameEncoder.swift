import NIOCore

extension AMQPFrame {
  /// Appends the frame's wire form to `buffer`.
  public func encode(into buffer: inout ByteBuffer) {
    switch self {
    case .method(let channel, let method):
      let payload = method.encodedSize
      buffer.writeAMQP(size: payload + AMQPFraming.frameOverhead) { writer in
        writer.writeFrameStart(type: AMQPFraming.methodFrameType, channel: channel, size: payload)
        method.encode(into: &writer)
        writer.writeInteger(AMQPFraming.frameEnd)
      }
    case .header(let channel, let header):
      Self.encodeHeader(channel: channel, header, into: &buffer)
    case .body(let channel, var body):
      buffer.writeMultipleIntegers(
        AMQPFraming.bodyFrameType, channel, UInt32(body.readableBytes))
      buffer.writeBuffer(&body)
      buffer.writeInteger(AMQPFraming.frameEnd)
    case .heartbeat:
      buffer.writeMultipleIntegers(
        AMQPFraming.heartbeatFrameType, UInt16(0), UInt32(0), AMQPFraming.frameEnd)
    }
  }

  /// Appends a content header frame, without building an ``AMQPFrame`` first.
  public static func encodeHeader(
    channel: UInt16, _ header: AMQPContentHeader, into buffer: inout ByteBuffer
  ) {
    let payload = header.encodedSize
    buffer.writeAMQP(size: payload + AMQPFraming.frameOverhead) { writer in
      writer.writeFrameStart(type: AMQPFraming.headerFrameType, channel: channel, size: payload)
      header.encode(into: &writer)
      writer.writeInteger(AMQPFraming.frameEnd)
    }
  }
}

extension AMQPWriter {
  fileprivate mutating func writeFrameStart(type: UInt8, channel: UInt16, size: Int) {
    writeInteger(type)
    writeInteger(channel)
    writeInteger(UInt32(size))
  }
}
