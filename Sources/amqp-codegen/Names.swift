import Foundation

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
  /// The encoded size of a value (`%@`), in bytes.
  var size: String

  static func forSpec(_ type: String) throws -> PrimitiveType {
    switch type {
    case "octet": PrimitiveType("UInt8", "0", "readAMQPOctet()", "writeInteger(%@)", "1")
    case "short": PrimitiveType("UInt16", "0", "readAMQPShort()", "writeInteger(%@)", "2")
    case "long": PrimitiveType("UInt32", "0", "readAMQPLong()", "writeInteger(%@)", "4")
    case "longlong", "timestamp":
      PrimitiveType("UInt64", "0", "readAMQPLongLong()", "writeInteger(%@)", "8")
    case "shortstr":
      PrimitiveType(
        "String", "\"\"", "readAMQPShortString()", "writeAMQPShortString(%@)",
        "AMQPWriter.size(ofShortString: %@)")
    case "longstr":
      PrimitiveType(
        "String", "\"\"", "readAMQPLongString()", "writeAMQPLongString(%@)",
        "AMQPWriter.size(ofLongString: %@)")
    case "table":
      PrimitiveType(
        "AMQPFieldTable", "[:]", "readAMQPTable()", "writeAMQPTable(%@)",
        "AMQPWriter.size(ofTable: %@)")
    case "bit": PrimitiveType("Bool", "false", "", "", "1")
    default: throw GeneratorError("unknown primitive type \(type)")
    }
  }

  init(
    _ swiftType: String, _ defaultValue: String, _ reader: String, _ writer: String,
    _ size: String
  ) {
    self.swiftType = swiftType
    self.defaultValue = defaultValue
    self.reader = reader
    self.writer = writer
    self.size = size
  }

  func write(_ expression: String) -> String {
    writer.replacingOccurrences(of: "%@", with: expression)
  }

  func size(_ expression: String) -> String {
    size.replacingOccurrences(of: "%@", with: expression)
  }

  /// Whether the size depends on the value.
  var isVariableSize: Bool { size.contains("%@") }
}
