/// Swift spellings of spec names: `get-ok` → `GetOk`, `correlation-id` → `correlationID`.
enum Names {
  static let renamed: [String: String] = ["nowait": "noWait", "reserved": "clusterID"]
  static let keywords: Set<String> = ["internal", "return", "default", "class", "type"]

  static func upperCamel(_ name: String) -> String {
    name.split(separator: "-").map { part in
      part == "id" ? "ID" : part.prefix(1).uppercased() + part.dropFirst()
    }.joined()
  }

  static func lowerCamel(_ name: String) -> String {
    if let renamed = renamed[name] { return renamed }
    let upper = upperCamel(name)
    return upper.prefix(1).lowercased() + upper.dropFirst()
  }

  /// A property or parameter name, back-quoted where it clashes with a keyword.
  static func identifier(_ name: String) -> String {
    let camel = lowerCamel(name)
    return keywords.contains(camel) ? "`\(camel)`" : camel
  }

  /// The name without back-quotes, for use after a dot (`self.internal`).
  static func member(_ name: String) -> String { lowerCamel(name) }
}

/// Swift type and coding calls for each AMQP primitive type.
struct PrimitiveType {
  var swiftType: String
  var defaultValue: String
  var reader: String
  var writer: String

  static func forSpec(_ type: String) throws -> PrimitiveType {
    switch type {
    case "octet": PrimitiveType("UInt8", "0", "readAMQPOctet()", "writeInteger(%@)")
    case "short": PrimitiveType("UInt16", "0", "readAMQPShort()", "writeInteger(%@)")
    case "long": PrimitiveType("UInt32", "0", "readAMQPLong()", "writeInteger(%@)")
    case "longlong", "timestamp":
      PrimitiveType("UInt64", "0", "readAMQPLongLong()", "writeInteger(%@)")
    case "shortstr":
      PrimitiveType("String", "\"\"", "readAMQPShortString()", "writeAMQPShortString(%@)")
    case "longstr":
      PrimitiveType("String", "\"\"", "readAMQPLongString()", "writeAMQPLongString(%@)")
    case "table": PrimitiveType("AMQPFieldTable", "[:]", "readAMQPTable()", "writeAMQPTable(%@)")
    case "bit": PrimitiveType("Bool", "false", "", "")
    default: throw GeneratorError("unknown primitive type \(type)")
    }
  }

  init(_ swiftType: String, _ defaultValue: String, _ reader: String, _ writer: String) {
    self.swiftType = swiftType
    self.defaultValue = defaultValue
    self.reader = reader
    self.writer = writer
  }

  func write(_ expression: String) -> String {
    writer.replacingOccurrences(of: "%@", with: expression)
  }
}
