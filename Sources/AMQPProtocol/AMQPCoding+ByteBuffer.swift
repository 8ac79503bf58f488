import NIOCore

// The public ByteBuffer entry points of the codec; they run the raw-pointer
// ``AMQPReader``/``AMQPWriter`` code over the buffer's bytes.

extension AMQPMethod {
  /// Decodes a method frame payload: class id, method id and arguments.
  public static func decode(from buffer: inout ByteBuffer) throws(AMQPProtocolError) -> AMQPMethod {
    try buffer.readAMQP { (reader) throws(AMQPProtocolError) in try decode(from: &reader) }
  }

  /// Encodes class id, method id and arguments.
  public func encode(into buffer: inout ByteBuffer) {
    buffer.writeAMQP(size: encodedSize) { encode(into: &$0) }
  }
}

extension AMQPBasicProperties {
  /// Decodes the property-flags word and the properties it announces.
  public init(from buffer: inout ByteBuffer) throws(AMQPProtocolError) {
    self = try buffer.readAMQP { (reader) throws(AMQPProtocolError) in try Self(from: &reader) }
  }

  /// Encodes the property-flags word followed by the present properties.
  public func encode(into buffer: inout ByteBuffer) {
    buffer.writeAMQP(size: encodedSize) { encode(into: &$0) }
  }
}
