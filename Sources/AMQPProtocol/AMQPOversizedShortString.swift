/// A short string too long to encode: a method argument, a property or a field-table key.
///
/// A short string is a length octet followed by at most 255 bytes of UTF-8 (AMQP 0-9-1
/// specification, 4.2.5.3 "Strings"). Cutting a longer one would send a different name,
/// key or id than the application gave, so encoders check first and refuse it.
public struct AMQPOversizedShortString: Error, Hashable, Sendable, CustomStringConvertible {
  /// The most bytes of UTF-8 a short string holds.
  public static let maximumLength = 255

  /// Which string: `routing-key of basic.publish`, `correlation-id`, or a key of a table
  /// (`key "x-…" of headers`).
  public var field: String
  /// Its length, in bytes of UTF-8.
  public var length: Int

  public init(field: String, length: Int) {
    self.field = field
    self.length = length
  }

  public var description: String {
    "\(field) is \(length) bytes of UTF-8; an AMQP short string holds at most 255"
  }
}

extension AMQPOversizedShortString {
  /// `value`, named `field`, when it is too long; `nil` when it fits. A length check only:
  /// a native string knows its UTF-8 count.
  static func check(_ value: String, _ field: @autoclosure () -> String) -> Self? {
    let length = value.utf8.count
    return length > maximumLength ? Self(field: field(), length: length) : nil
  }

  /// `value`, or the bytes it will be sent as (a property received as bytes that are not
  /// UTF-8), when too long.
  static func check(_ value: String, exactBytes: [UInt8]?, _ field: @autoclosure () -> String)
    -> Self?
  {
    guard let exactBytes else { return check(value, field()) }
    return exactBytes.count > maximumLength ? Self(field: field(), length: exactBytes.count) : nil
  }

  /// The first key of `table`, or of a table nested in it, that is too long.
  static func check(_ table: AMQPFieldTable, _ field: @autoclosure () -> String)
    -> Self?
  {
    table.firstOversizedKey(field)
  }
}

extension AMQPFieldTable {
  fileprivate func firstOversizedKey(_ table: () -> String) -> AMQPOversizedShortString? {
    for entry in entries {
      let length = entry.key.utf8.count
      if length > AMQPOversizedShortString.maximumLength {
        return AMQPOversizedShortString(
          field: "key \"\(entry.key.prefix(16))…\" of \(table())", length: length)
      }
      if let found = entry.value.firstOversizedKey({ "\(table()) → \(entry.key)" }) {
        return found
      }
    }
    return nil
  }
}

extension AMQPFieldValue {
  fileprivate func firstOversizedKey(_ path: () -> String) -> AMQPOversizedShortString? {
    switch self {
    case .table(let table):
      return table.firstOversizedKey(path)
    case .array(let values):
      for value in values {
        if let found = value.firstOversizedKey(path) { return found }
      }
      return nil
    case .bool, .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .float, .double,
      .decimal, .string, .timestamp, .bytes, .void:
      return nil
    }
  }
}
