import AMQPProtocol
import NIOCore

/// Arbitrary bytes read as a delivery: a few numbers first, then the property-flags word and
/// properties as on the wire (AMQP 0-9-1 content header, after class, weight and body size),
/// then the body. Reads past the end give zeros, so every input is a delivery or malformed
/// properties — never a harness failure.
package struct FuzzInput {
  private let bytes: [UInt8]
  private var offset = 0

  package init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = Array(bytes)
  }

  package init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The next `count` bytes as a big-endian integer (zeros past the end).
  package mutating func integer<Value: FixedWidthInteger>(_: Value.Type) -> Value {
    var value: Value = 0
    for _ in 0..<MemoryLayout<Value>.size {
      value = value << 8 | Value(truncatingIfNeeded: offset < bytes.count ? bytes[offset] : 0)
      offset += 1
    }
    return value
  }

  /// Properties decoded from the rest, and the bytes after them as the body; `nil` when the
  /// properties are malformed (a connection error for the frame decoder, not a delivery).
  package mutating func delivery() -> (properties: AMQPBasicProperties, body: ByteBuffer)? {
    let rest = offset < bytes.count ? Array(bytes[offset...]) : []
    // class 60, weight 0, body size 0, then the flags word and properties.
    var header = ByteBuffer(bytes: [0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + rest)
    guard let decoded = try? AMQPContentHeader(from: &header) else { return nil }
    return (decoded.properties, header)
  }
}

/// Stops the run where an invariant does not hold: libFuzzer reports it with its input.
package func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError("invariant broken: \(message())") }
}
