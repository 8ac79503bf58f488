import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads AMQP values from the bytes of one frame payload through a raw pointer, with a bounds
/// check per value: no capacity, uniqueness or exclusivity checks per field as with
/// `ByteBuffer` reads. Readers throw ``AMQPProtocolError/Code/truncatedPayload`` instead of
/// returning `nil`, so generated decoders stay linear.
package struct AMQPReader: ~Copyable {
  private let bytes: UnsafeRawBufferPointer
  /// The bytes consumed so far.
  package private(set) var offset = 0
  /// Where short strings are looked up before they are allocated, if anywhere.
  private let recentStrings: UnsafeMutablePointer<RecentShortStrings>?

  fileprivate init(
    _ bytes: UnsafeRawBufferPointer, recentStrings: UnsafeMutablePointer<RecentShortStrings>? = nil
  ) {
    self.bytes = bytes
    self.recentStrings = recentStrings
  }

  /// The bytes not read yet.
  package var remaining: Int { bytes.count - offset }

  /// The bytes consumed from `start` (an earlier ``offset``) up to now.
  package func bytesRead(since start: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: bytes[min(start, offset)..<offset])
  }

  /// Up to `count` of the next bytes, not consumed (for error reports).
  package func peek(_ count: Int) -> [UInt8] {
    Array(bytes[offset..<offset + min(count, remaining)])
  }

  @inline(__always)
  private mutating func readInteger<Value: FixedWidthInteger>(
    _: Value.Type, _ what: @autoclosure () -> String
  ) throws(AMQPProtocolError) -> Value {
    guard remaining >= MemoryLayout<Value>.size else { throw .truncated(what()) }
    let value = bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
    offset &+= MemoryLayout<Value>.size
    return Value(bigEndian: value)
  }

  /// The next `count` bytes, consumed.
  private mutating func take(_ count: Int, _ what: @autoclosure () -> String)
    throws(AMQPProtocolError) -> UnsafeRawBufferPointer
  {
    guard count <= remaining else { throw .truncated(what()) }
    defer { offset &+= count }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
  }

  package mutating func readAMQPOctet() throws(AMQPProtocolError) -> UInt8 {
    try readInteger(UInt8.self, "octet")
  }

  package mutating func readAMQPShort() throws(AMQPProtocolError) -> UInt16 {
    try readInteger(UInt16.self, "short")
  }

  package mutating func readAMQPLong() throws(AMQPProtocolError) -> UInt32 {
    try readInteger(UInt32.self, "long")
  }

  package mutating func readAMQPLongLong() throws(AMQPProtocolError) -> UInt64 {
    try readInteger(UInt64.self, "longlong")
  }

  package mutating func readAMQPShortString() throws(AMQPProtocolError) -> String {
    let length = try readInteger(UInt8.self, "shortstr length")
    let utf8 = try take(Int(length), "shortstr")
    if let recentStrings { return recentStrings.pointee.string(utf8) }
    return String(decoding: utf8, as: UTF8.self)
  }

  package mutating func readAMQPLongString() throws(AMQPProtocolError) -> String {
    let length = try readInteger(UInt32.self, "longstr length")
    return String(decoding: try take(Int(length), "longstr of \(length) bytes"), as: UTF8.self)
  }

  package mutating func readAMQPTable() throws(AMQPProtocolError) -> AMQPFieldTable {
    try readAMQPTable(depth: 0)
  }

  private mutating func readAMQPTable(depth: Int) throws(AMQPProtocolError) -> AMQPFieldTable {
    guard depth < maximumNestingDepth else {
      throw AMQPProtocolError(code: .invalidFieldType, message: "field table nested too deeply")
    }
    let size = try readInteger(UInt32.self, "table size")
    var table = AMQPFieldTable()
    try withNested(size: size, "table of \(size) bytes") { (reader) throws(AMQPProtocolError) in
      let key = try reader.readAMQPShortString()
      table[key] = try reader.readAMQPFieldValue(depth: depth)
    }
    return table
  }

  /// Reads the values of a nested table or array of `size` bytes with `element`, until they
  /// are used up; the values must not run past them.
  private mutating func withNested(
    size: UInt32, _ what: @autoclosure () -> String,
    _ element: (inout AMQPReader) throws(AMQPProtocolError) -> Void
  ) throws(AMQPProtocolError) {
    var nested = AMQPReader(try take(Int(size), what()), recentStrings: recentStrings)
    while nested.remaining > 0 { try element(&nested) }
  }

  private mutating func readAMQPFieldValue(depth: Int) throws(AMQPProtocolError)
    -> AMQPFieldValue
  {
    let tag = try readInteger(UInt8.self, "field type tag")
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
      let size = try readInteger(UInt32.self, "array size")
      var values: [AMQPFieldValue] = []
      try withNested(size: size, "array of \(size) bytes") { (reader) throws(AMQPProtocolError) in
        values.append(try reader.readAMQPFieldValue(depth: depth + 1))
      }
      return .array(values)
    case UInt8(ascii: "T"): return .timestamp(try readAMQPLongLong())
    case UInt8(ascii: "F"): return .table(try readAMQPTable(depth: depth + 1))
    case UInt8(ascii: "x"):
      let length = try readInteger(UInt32.self, "byte array size")
      return .bytes(Array(try take(Int(length), "byte array of \(length) bytes")))
    case UInt8(ascii: "V"): return .void
    default:
      throw AMQPProtocolError(
        code: .invalidFieldType,
        message: "unknown field-table type tag 0x\(String(tag, radix: 16))",
        offendingBytes: [tag])
    }
  }
}

/// Nested tables and arrays deeper than this are rejected, so that hostile input cannot
/// exhaust the stack.
private let maximumNestingDepth = 64

extension ByteBuffer {
  /// Runs `decode` on the readable bytes and consumes what it read (nothing when it throws).
  /// Short strings are looked up in `recentStrings` first, when given.
  package mutating func readAMQP<Value>(
    recentStrings: UnsafeMutablePointer<RecentShortStrings>? = nil,
    _ decode: (inout AMQPReader) throws(AMQPProtocolError) -> Value
  ) throws(AMQPProtocolError) -> Value {
    let (result, consumed) = withUnsafeReadableBytes {
      raw -> (Result<Value, AMQPProtocolError>, Int) in
      var reader = AMQPReader(raw, recentStrings: recentStrings)
      do throws(AMQPProtocolError) {
        let value = try decode(&reader)
        return (.success(value), reader.offset)
      } catch {
        return (.failure(error), 0)
      }
    }
    moveReaderIndex(forwardBy: consumed)
    return try result.get()
  }
}

/// The last few short strings decoded that do not fit a small string (consumer tags, server-
/// named queues in routing keys and reply-to). Each delivery repeats the previous one's, so
/// they are shared instead of allocated and validated again.
package struct RecentShortStrings: Sendable {
  private var strings: [String] = []
  private var next = 0
  /// How many are kept.
  private static let capacity = 4
  /// Shorter strings are stored inline in `String`: nothing to save.
  private static let smallStringLimit = 15

  package init() {}

  /// The string of `utf8`: a recent one with those bytes, or a new one (then remembered).
  mutating func string(_ utf8: UnsafeRawBufferPointer) -> String {
    guard utf8.count > Self.smallStringLimit else { return String(decoding: utf8, as: UTF8.self) }
    for candidate in strings where candidate.utf8.count == utf8.count {
      var candidate = candidate
      let same = candidate.withUTF8 { stored in
        guard let a = stored.baseAddress, let b = utf8.baseAddress else { return false }
        return memcmp(a, b, stored.count) == 0
      }
      if same { return candidate }
    }
    let string = String(decoding: utf8, as: UTF8.self)
    if strings.count < Self.capacity {
      strings.append(string)
    } else {
      strings[next] = string
      next = (next + 1) % Self.capacity
    }
    return string
  }
}
