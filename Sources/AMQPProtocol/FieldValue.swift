import NIOCore

/// A value in an AMQP field table, using RabbitMQ's type tags (which differ from the
/// 0-9-1 specification's: `s` is int16, `l` is int64, `x` a byte array, `A` an array, `V` void).
public enum AMQPFieldValue: Sendable, Hashable {
  /// `t`: boolean.
  case bool(Bool)
  /// `b`: signed 8-bit integer.
  case int8(Int8)
  /// `B`: unsigned 8-bit integer.
  case uint8(UInt8)
  /// `s`: signed 16-bit integer.
  case int16(Int16)
  /// `u`: unsigned 16-bit integer.
  case uint16(UInt16)
  /// `I`: signed 32-bit integer.
  case int32(Int32)
  /// `i`: unsigned 32-bit integer.
  case uint32(UInt32)
  /// `l`: signed 64-bit integer.
  case int64(Int64)
  /// `f`: 32-bit float.
  case float(Float)
  /// `d`: 64-bit float.
  case double(Double)
  /// `D`: decimal: scale and unscaled value.
  case decimal(scale: UInt8, value: UInt32)
  /// `S`: long string (decoded as UTF-8; invalid sequences become U+FFFD).
  case string(String)
  /// `A`: array of values.
  case array([AMQPFieldValue])
  /// `T`: timestamp, seconds since the Unix epoch.
  case timestamp(UInt64)
  /// `F`: nested field table.
  case table(AMQPFieldTable)
  /// `x`: byte array.
  case bytes([UInt8])
  /// `V`: no value.
  case void
}

extension AMQPFieldValue {
  /// The value as a string, when it is one.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The value as a signed integer, when it is any integer type that fits.
  public var intValue: Int64? {
    switch self {
    case .int8(let v): Int64(v)
    case .uint8(let v): Int64(v)
    case .int16(let v): Int64(v)
    case .uint16(let v): Int64(v)
    case .int32(let v): Int64(v)
    case .uint32(let v): Int64(v)
    case .int64(let v): v
    case .timestamp(let v): Int64(exactly: v)
    case .bool, .float, .double, .decimal, .string, .array, .table, .bytes, .void: nil
    }
  }

  /// The value as a boolean, when it is one.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByIntegerLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  /// Integer literals become `l` (int64), the widest signed type RabbitMQ reads.
  public init(integerLiteral value: Int64) { self = .int64(value) }
}
