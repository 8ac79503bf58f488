import AMQPProtocol

/// Every field type RabbitMQ's tables carry, each with the extreme values of its type.
enum FieldValueExtremes {
  static let all: [AMQPFieldValue] =
    [.bool(false), .bool(true), .int8(.min), .int8(.max), .uint8(0), .uint8(.max)]
    + [.int16(.min), .int16(.max), .uint16(0), .uint16(.max)]
    + [.int32(.min), .int32(.max), .uint32(0), .uint32(.max)]
    + [.int64(.min), .int64(-1), .int64(0), .int64(.max)]
    + [.float(.infinity), .float(-.infinity), .float(.nan), .float(.greatestFiniteMagnitude)]
    + [.float(-.greatestFiniteMagnitude), .float(.leastNonzeroMagnitude)]
    + [.double(.infinity), .double(-.infinity), .double(.nan), .double(.greatestFiniteMagnitude)]
    + [.double(-.greatestFiniteMagnitude), .double(9.3e18), .double(-9.3e18), .double(-0.0)]
    + [.decimal(scale: 0, value: 0), .decimal(scale: .max, value: .max)]
    + [.string(""), .string(String(repeating: "é", count: 5_000)), .string("\u{0}")]
    + [.array([]), .array([.int64(.min), .string("x")]), .table([:]), .table(["k": .void])]
    + [.timestamp(0), .timestamp(.max), .timestamp(UInt64(Int64.max) + 1)]
    + [.bytes([]), .bytes([0xff, 0xfe, 0xc3]), .void]
}
