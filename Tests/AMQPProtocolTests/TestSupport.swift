import AMQPProtocol
import NIOCore

extension AMQPFrame {
  /// The frame's wire bytes.
  var bytes: [UInt8] {
    var buffer = ByteBuffer()
    encode(into: &buffer)
    return Array(buffer.readableBytesView)
  }
}

/// Decodes every complete frame in `bytes`, feeding them in chunks of `chunkSize`.
func decodeAll(_ bytes: [UInt8], chunkSize: Int = .max, frameMax: UInt32 = 131_072) throws
  -> [AMQPFrame]
{
  var decoder = AMQPFrameDecoder(maximumFrameSize: frameMax)
  var buffer = ByteBuffer()
  var frames: [AMQPFrame] = []
  var offset = 0
  while offset < bytes.count {
    let end = min(bytes.count, offset + max(1, min(chunkSize, bytes.count)))
    buffer.writeBytes(bytes[offset..<end])
    offset = end
    while let frame = try decoder.decodeFrame(from: &buffer) { frames.append(frame) }
  }
  return frames
}

/// Parses "01 00 0a ce" style hex.
func hex(_ text: String) -> [UInt8] {
  text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
}
