import NIOCore

/// Readers and writers for the AMQP 0-9-1 primitive types. Readers throw
/// ``AMQPProtocolError/Code/truncatedPayload`` instead of returning `nil`, so generated
/// decoders stay linear.
extension ByteBuffer {

  package mutating func readAMQPOctet() throws(AMQPProtocolError) -> UInt8 {
    guard let value = readInteger(as: UInt8.self) else { throw .truncated("octet") }
    return value
  }

  package mutating func readAMQPShort() throws(AMQPProtocolError) -> UInt16 {
    guard let value = readInteger(as: UInt16.self) else { throw .truncated("short") }
    return value
  }

  package mutating func readAMQPLong() throws(AMQPProtocolError) -> UInt32 {
    guard let value = readInteger(as: UInt32.self) else { throw .truncated("long") }
    return value
  }

  package mutating func readAMQPLongLong() throws(AMQPProtocolError) -> UInt64 {
    guard let value = readInteger(as: UInt64.self) else { throw .truncated("longlong") }
    return value
  }

  package mutating func readAMQPShortString() throws(AMQPProtocolError) -> String {
    guard let length = readInteger(as: UInt8.self) else { throw .truncated("shortstr length") }
    guard let value = readString(length: Int(length)) else { throw .truncated("shortstr") }
    return value
  }

  package mutating func readAMQPLongString() throws(AMQPProtocolError) -> String {
    guard let length = readInteger(as: UInt32.self) else { throw .truncated("longstr length") }
    guard Int(length) <= readableBytes, let bytes = readBytes(length: Int(length)) else {
      throw .truncated("longstr of \(length) bytes")
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  package mutating func readAMQPTable() throws(AMQPProtocolError) -> AMQPFieldTable {
    try readAMQPTable(depth: 0)
  }

  /// Writes a field table (size-prefixed); for tests and tools, the codec uses ``AMQPWriter``.
  package mutating func writeAMQPTable(_ table: AMQPFieldTable) {
    writeAMQP(size: AMQPWriter.size(ofTable: table)) { $0.writeAMQPTable(table) }
  }
}

/// Nested tables and arrays deeper than this are rejected, so that hostile input cannot
/// exhaust the stack.
private let maximumNestingDepth = 64

extension ByteBuffer {
  fileprivate mutating func readAMQPTable(depth: Int) throws(AMQPProtocolError) -> AMQPFieldTable {
    guard depth < maximumNestingDepth else {
      throw AMQPProtocolError(code: .invalidFieldType, message: "field table nested too deeply")
    }
    guard let size = readInteger(as: UInt32.self) else { throw .truncated("table size") }
    guard Int(size) <= readableBytes, var slice = readSlice(length: Int(size)) else {
      throw .truncated("table of \(size) bytes")
    }
    var table = AMQPFieldTable()
    while slice.readableBytes > 0 {
      let key = try slice.readAMQPShortString()
      table[key] = try slice.readAMQPFieldValue(depth: depth)
    }
    return table
  }

  fileprivate mutating func readAMQPFieldValue(depth: Int) throws(AMQPProtocolError)
    -> AMQPFieldValue
  {
    guard let tag = readInteger(as: UInt8.self) else { throw .truncated("field type tag") }
    switch tag {
    case UInt8(ascii: "t"): return .bool(try readAMQPOctet() != 0)
    case UInt8(ascii: "b"): return .int8(Int8(bitPattern: try readAMQPOctet()))
    case UInt8(ascii: "B"): return .uint8(try readAMQPOctet())
    case UInt8(ascii: "s"): return .int16(Int16(bitPattern: try readAMQPShort()))
    case UInt8(ascii: "u"): return .uint16(try readAMQPShort())
    case UInt8(ascii: "I"): return .int32(Int32(bitPattern: try readAMQPLong()))
    case UInt8(ascii: "i"): return .uint32(try readAMQPLong())
    case UInt8(ascii: "l"): return .int64(Int64(bitPattern: try readAMQPLongLong()))
    case UInt8(ascii: "f"): return .float(Float(bitPattern: try readAMQPLong()))
    case UInt8(ascii: "d"): return .double(Double(bitPattern: try readAMQPLongLong()))
    case UInt8(ascii: "D"):
      let scale = try readAMQPOctet()
      return .decimal(scale: scale, value: try readAMQPLong())
    case UInt8(ascii: "S"): return .string(try readAMQPLongString())
    case UInt8(ascii: "A"):
      guard depth + 1 < maximumNestingDepth else {
        throw AMQPProtocolError(code: .invalidFieldType, message: "field array nested too deeply")
      }
      guard let size = readInteger(as: UInt32.self) else { throw .truncated("array size") }
      guard Int(size) <= readableBytes, var slice = readSlice(length: Int(size)) else {
        throw .truncated("array of \(size) bytes")
      }
      var values: [AMQPFieldValue] = []
      while slice.readableBytes > 0 {
        values.append(try slice.readAMQPFieldValue(depth: depth + 1))
      }
      return .array(values)
    case UInt8(ascii: "T"): return .timestamp(try readAMQPLongLong())
    case UInt8(ascii: "F"): return .table(try readAMQPTable(depth: depth + 1))
    case UInt8(ascii: "x"):
      guard let length = readInteger(as: UInt32.self) else { throw .truncated("byte array size") }
      guard Int(length) <= readableBytes, let bytes = readBytes(length: Int(length)) else {
        throw .truncated("byte array of \(length) bytes")
      }
      return .bytes(bytes)
    case UInt8(ascii: "V"): return .void
    default:
      throw AMQPProtocolError(
        code: .invalidFieldType,
        message: "unknown field-table type tag 0x\(String(tag, radix: 16))",
        offendingBytes: [tag])
    }
  }
}
