import NIOCore

extension AMQPFrame {
  /// Appends the frame's wire form to `buffer`.
  public func encode(into buffer: inout ByteBuffer) {
    switch self {
    case .method(let channel, let method):
      Self.writeFrame(type: AMQPFraming.methodFrameType, channel: channel, into: &buffer) {
        method.encode(into: &$0)
      }
    case .header(let channel, let header):
      Self.writeFrame(type: AMQPFraming.headerFrameType, channel: channel, into: &buffer) {
        header.encode(into: &$0)
      }
    case .body(let channel, var body):
      buffer.writeInteger(AMQPFraming.bodyFrameType)
      buffer.writeInteger(channel)
      buffer.writeInteger(UInt32(body.readableBytes))
      buffer.writeBuffer(&body)
      buffer.writeInteger(AMQPFraming.frameEnd)
    case .heartbeat:
      buffer.writeInteger(AMQPFraming.heartbeatFrameType)
      buffer.writeInteger(UInt16(0))
      buffer.writeInteger(UInt32(0))
      buffer.writeInteger(AMQPFraming.frameEnd)
    }
  }

  /// Writes a frame header with a placeholder size, the payload, then patches the size in.
  private static func writeFrame(
    type: UInt8, channel: UInt16, into buffer: inout ByteBuffer,
    payload: (inout ByteBuffer) -> Void
  ) {
    buffer.writeInteger(type)
    buffer.writeInteger(channel)
    let sizeIndex = buffer.writerIndex
    buffer.writeInteger(UInt32(0))
    payload(&buffer)
    buffer.setInteger(UInt32(buffer.writerIndex - sizeIndex - 4), at: sizeIndex)
    buffer.writeInteger(AMQPFraming.frameEnd)
  }
}
