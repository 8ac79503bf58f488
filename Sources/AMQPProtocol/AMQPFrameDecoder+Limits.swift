import NIOCore

/// How much a peer can make us buffer: every size it announces is checked before the bytes
/// arrive, with overflow-safe arithmetic.
extension AMQPFrameDecoder {
  /// 128 MiB: RabbitMQ's default `max_message_size` from 3.8 to 3.13 (4.0 lowered it to
  /// 16 MiB; 512 MiB is its hard limit), so no message a broker with default settings
  /// accepts is refused. RabbitMQ's .NET client has the same default; its Java client's
  /// `maxInboundMessageBodySize` is 64 MiB.
  public static let defaultMaximumMessageSize: UInt32 = 128 << 20

  /// 16 MiB: the largest method or content-header frame accepted beyond `frame_max`.
  ///
  /// RabbitMQ cannot split a content header and sends it whole whatever the consumer's
  /// `frame_max` (20 kB of headers set on a connection with a larger `frame_max` reach one
  /// with `frame_max=8192` in one frame), so such frames may exceed `frame_max`. A 3.x
  /// broker relays headers from 0-9-1 publishers no larger than its own `frame_max` (128 KiB
  /// by default: it refuses larger frames); 4.x also takes AMQP 1.0 messages, whose
  /// properties count in `max_message_size`, 16 MiB by default. Decoded field tables take
  /// up to ~24 bytes per byte on the wire, so this also bounds what one frame can cost.
  public static let maximumUnsplitFrameSize: UInt32 = 16 << 20

  /// Refuses a frame too large to buffer, from its 7-byte header alone. On every frame:
  /// integer compares only, the message is built when it fails.
  func checkSize(type: UInt8, channel: UInt16, payload: UInt32, header: ByteBuffer)
    throws(AMQPProtocolError)
  {
    let overhead = UInt64(AMQPFraming.frameOverhead)
    let size = UInt64(payload) + overhead  // in 64 bits: no overflow at UInt32.max
    let negotiated = UInt64(maximumFrameSize)
    let isBody = type == AMQPFraming.bodyFrameType
    let unsplit =
      isBody
      ? UInt64(maximumMessageSize) + overhead
      : UInt64(min(maximumMessageSize, Self.maximumUnsplitFrameSize)) + overhead
    let limit = isBody ? (negotiated > 0 ? negotiated : unsplit) : max(negotiated, unsplit)
    guard size > limit else { return }
    let rule =
      limit == negotiated
      ? "frame_max \(negotiated)"
      : isBody
        ? "the message limit of \(maximumMessageSize) bytes"
        : "the limit of \(unsplit) bytes for method and content-header frames"
    let kind =
      switch type {
      case AMQPFraming.methodFrameType: "method frame"
      case AMQPFraming.headerFrameType: "content header frame"
      case AMQPFraming.bodyFrameType: "body frame"
      default: "heartbeat frame"
      }
    throw AMQPProtocolError(
      code: .frameTooLarge,
      message: "\(kind) of \(size) bytes on channel \(channel) exceeds \(rule)",
      offendingBytes: header.getBytes(at: header.readerIndex, length: 7) ?? [])
  }

  /// Refuses a content header announcing a body above the message limit, before any body
  /// frame is accepted (a body size of `UInt64.max` would otherwise grow without bound).
  func checkBodySize(_ header: AMQPContentHeader, channel: UInt16) throws(AMQPProtocolError) {
    guard header.bodySize > UInt64(maximumMessageSize) else { return }
    throw AMQPProtocolError(
      code: .messageTooLarge,
      message: "a content header on channel \(channel) announces a body of "
        + "\(header.bodySize) bytes, above the message limit of \(maximumMessageSize)")
  }
}
