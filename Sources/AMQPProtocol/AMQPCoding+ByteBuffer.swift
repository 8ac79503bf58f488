import NIOCore

// The ByteBuffer entry points of the codec (public, and package ones for tests); they run the
// raw-pointer ``AMQPReader``/``AMQPWriter`` code over the buffer's bytes.

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

extension ByteBuffer {
  /// Reads a field table (size-prefixed); for tests and tools.
  package mutating func readAMQPTable() throws(AMQPProtocolError) -> AMQPFieldTable {
    try readAMQP { (reader) throws(AMQPProtocolError) in try reader.readAMQPTable() }
  }

  /// Writes a field table (size-prefixed); for tests and tools.
  package mutating func writeAMQPTable(_ table: AMQPFieldTable) {
    writeAMQP(size: AMQPWriter.size(ofTable: table)) { $0.writeAMQPTable(table) }
  }
}
