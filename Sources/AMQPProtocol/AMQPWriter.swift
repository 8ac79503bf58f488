import NIOCore

/// Writes AMQP values through a raw pointer into space reserved beforehand. Encoders compute
/// their exact size first (the `size(of…)` functions below), so a whole frame costs one
/// capacity check on the `ByteBuffer` instead of one per field — the publish path's cost.
///
/// Every write is bounds-checked against the reserved space: a size computed wrong stops the
/// program instead of writing past the buffer.
package struct AMQPWriter: ~Copyable {
  private let base: UnsafeMutableRawPointer
  private let capacity: Int
  /// The bytes written so far.
  package private(set) var offset = 0

  fileprivate init(base: UnsafeMutableRawPointer, capacity: Int) {
    self.base = base
    self.capacity = capacity
  }

  @inline(__always)
  private func reserve(_ count: Int) {
    precondition(count <= capacity &- offset, "AMQP encoder wrote past its computed size")
  }

  @inline(__always)
  package mutating func writeInteger<Value: FixedWidthInteger>(_ value: Value) {
    reserve(MemoryLayout<Value>.size)
    base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Value.self)
    offset &+= MemoryLayout<Value>.size
  }

  package mutating func writeBytes(_ bytes: some Collection<UInt8>) {
    reserve(bytes.count)
    let done: Void? = bytes.withContiguousStorageIfAvailable { contiguous in
      guard let source = contiguous.baseAddress else { return }
      (base + offset).copyMemory(from: source, byteCount: contiguous.count)
    }
    if done == nil {
      var cursor = base + offset
      for byte in bytes {
        cursor.storeBytes(of: byte, as: UInt8.self)
        cursor += 1
      }
    }
    offset &+= bytes.count
  }

  /// A short string: a length octet and at most 255 bytes of UTF-8. Senders refuse longer
  /// values before encoding (`oversizedShortString` of methods and properties; the client
  /// throws `shortStringTooLong`); one that was not checked is cut at a character boundary,
  /// so the frame stays valid and within its computed size.
  package mutating func writeAMQPShortString(_ value: String) {
    let length = Self.shortStringLength(value)
    writeInteger(UInt8(length))
    if length == value.utf8.count {
      writeBytes(value.utf8)
    } else {
      writeBytes(value.utf8.prefix(length))
    }
  }

  /// How many UTF-8 bytes of `value` a short string keeps: all, or the most that fit in 255
  /// without splitting a character's encoding.
  private static func shortStringLength(_ value: String) -> Int {
    let utf8 = value.utf8
    guard utf8.count > 255 else { return utf8.count }
    var length = 255
    // Back off while the first byte left out continues the scalar before it (10xxxxxx).
    while length > 0, utf8[utf8.index(utf8.startIndex, offsetBy: length)] & 0xC0 == 0x80 {
      length -= 1
    }
    return length
  }

  package mutating func writeAMQPLongString(_ value: String) {
    writeInteger(UInt32(value.utf8.count))
    writeBytes(value.utf8)
  }

  package mutating func writeAMQPTable(_ table: AMQPFieldTable) {
    writeInteger(UInt32(Self.size(ofTable: table) - 4))
    for entry in table.entries {
      writeAMQPShortString(entry.key)
      writeAMQPFieldValue(entry.value)
    }
  }

  private mutating func writeAMQPFieldValue(_ value: AMQPFieldValue) {
    writeInteger(value.typeTag)
    switch value {
    case .bool(let v): writeInteger(UInt8(v ? 1 : 0))
    case .int8(let v): writeInteger(v)
    case .uint8(let v): writeInteger(v)
    case .int16(let v): writeInteger(v)
    case .uint16(let v): writeInteger(v)
    case .int32(let v): writeInteger(v)
    case .uint32(let v): writeInteger(v)
    case .int64(let v): writeInteger(v)
    case .float(let v): writeInteger(v.bitPattern)
    case .double(let v): writeInteger(v.bitPattern)
    case .decimal(let scale, let v):
      writeInteger(scale)
      writeInteger(v)
    case .string(let v): writeAMQPLongString(v)
    case .array(let values):
      writeInteger(UInt32(Self.size(ofFieldValue: value) - 5))
      for element in values { writeAMQPFieldValue(element) }
    case .timestamp(let v): writeInteger(v)
    case .table(let table): writeAMQPTable(table)
    case .bytes(let bytes):
      writeInteger(UInt32(bytes.count))
      writeBytes(bytes)
    case .void: break
    }
  }

  // MARK: - Sizes

  package static func size(ofShortString value: String) -> Int {
    1 + shortStringLength(value)
  }

  package static func size(ofLongString value: String) -> Int { 4 + value.utf8.count }

  package static func size(ofTable table: AMQPFieldTable) -> Int {
    var total = 4
    for entry in table.entries {
      total += size(ofShortString: entry.key) + size(ofFieldValue: entry.value)
    }
    return total
  }

  /// The size of a field value with its type tag.
  private static func size(ofFieldValue value: AMQPFieldValue) -> Int {
    switch value {
    case .bool, .int8, .uint8: 2
    case .int16, .uint16: 3
    case .int32, .uint32, .float: 5
    case .int64, .double, .timestamp: 9
    case .decimal: 6
    case .string(let v): 1 + size(ofLongString: v)
    case .array(let values): values.reduce(5) { $0 + size(ofFieldValue: $1) }
    case .table(let table): 1 + size(ofTable: table)
    case .bytes(let bytes): 5 + bytes.count
    case .void: 1
    }
  }
}

extension ByteBuffer {
  /// Reserves exactly `size` bytes and lets `encode` fill them through an ``AMQPWriter``.
  package mutating func writeAMQP(size: Int, _ encode: (inout AMQPWriter) -> Void) {
    writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
      guard let base = raw.baseAddress else { return 0 }
      var writer = AMQPWriter(base: base, capacity: size)
      encode(&writer)
      assert(writer.offset == size, "encoded \(writer.offset) bytes, announced \(size)")
      return writer.offset
    }
  }
}

extension AMQPFieldValue {
  /// The type tag RabbitMQ uses for this kind of value.
  fileprivate var typeTag: UInt8 {
    switch self {
    case .bool: UInt8(ascii: "t")
    case .int8: UInt8(ascii: "b")
    case .uint8: UInt8(ascii: "B")
    case .int16: UInt8(ascii: "s")
    case .uint16: UInt8(ascii: "u")
    case .int32: UInt8(ascii: "I")
    case .uint32: UInt8(ascii: "i")
    case .int64: UInt8(ascii: "l")
    case .float: UInt8(ascii: "f")
    case .double: UInt8(ascii: "d")
    case .decimal: UInt8(ascii: "D")
    case .string: UInt8(ascii: "S")
    case .array: UInt8(ascii: "A")
    case .timestamp: UInt8(ascii: "T")
    case .table: UInt8(ascii: "F")
    case .bytes: UInt8(ascii: "x")
    case .void: UInt8(ascii: "V")
    }
  }
}
