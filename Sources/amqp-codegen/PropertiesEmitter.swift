/// Emits `AMQPBasicProperties+Generated.swift`: the content properties of the `basic` class,
/// coded with the 16-bit property-flags word (first property = bit 15; absent ones skipped).
struct PropertiesEmitter {
  let spec: Spec
  var out = CodeWriter()

  init(spec: Spec) { self.spec = spec }

  mutating func emit() throws -> String {
    guard let basic = spec.classes.first(where: { $0.name == "basic" }) else {
      throw GeneratorError("the spec has no basic class")
    }
    let properties = basic.properties
    guard properties.count <= 15 else {
      throw GeneratorError("more than 15 basic properties need continuation flags")
    }
    out.header()
    out.line("import NIOCore")
    out.line()
    out.line(
      "/// The content properties of a `basic` message. Absent properties are `nil` and take")
    out.line("/// no bytes on the wire.")
    out.line("///")
    out.line("/// The values live in one immutable, shared box: properties travel with a message")
    out.line("/// through several layers, and copying them is then one reference count. Setting a")
    out.line("/// property makes a new box.")
    out.line("public struct AMQPBasicProperties: Sendable, Hashable {")
    for (offset, property) in properties.enumerated() {
      let type = try PrimitiveType.forSpec(property.type)
      let member = Names.member(property.name)
      out.line("  /// `\(property.name)`")
      out.line("  public var \(Names.identifier(property.name)): \(type.swiftType)? {")
      out.line("    get { storage.values.\(member) }")
      out.line("    set {")
      out.line("      var values = storage.values")
      out.line("      values.\(member) = newValue")
      if property.type == "shortstr" {
        out.line("      values.nonUTF8[flag: \(1 << (15 - offset))] = nil")
      }
      out.line("      storage = Storage(values)")
      out.line("    }")
      out.line("  }")
    }
    out.line()
    out.line("  /// Short-string properties received with bytes that are not UTF-8, as received.")
    out.line("  package var nonUTF8ShortStrings: AMQPNonUTF8ShortStrings {")
    out.line("    get { storage.values.nonUTF8 }")
    out.line("    set {")
    out.line("      var values = storage.values")
    out.line("      values.nonUTF8 = newValue")
    out.line("      storage = Storage(values)")
    out.line("    }")
    out.line("  }")
    out.line()
    out.line("  private var storage: Storage")
    out.line()
    out.line("  /// Creates properties; every argument defaults to absent.")
    out.line("  public init(")
    for (offset, property) in properties.enumerated() {
      let type = try PrimitiveType.forSpec(property.type)
      let comma = offset == properties.count - 1 ? "" : ","
      out.line("    \(Names.identifier(property.name)): \(type.swiftType)? = nil\(comma)")
    }
    out.line("  ) {")
    out.line("    storage = Storage(")
    out.line("      Values(")
    for (offset, property) in properties.enumerated() {
      let comma = offset == properties.count - 1 ? "))" : ","
      out.line("        \(Names.member(property.name)): \(Names.identifier(property.name))\(comma)")
    }
    out.line("  }")
    out.line()
    out.line("  public static func == (lhs: Self, rhs: Self) -> Bool {")
    out.line("    lhs.storage === rhs.storage || lhs.storage.values == rhs.storage.values")
    out.line("  }")
    out.line()
    out.line("  public func hash(into hasher: inout Hasher) {")
    out.line("    hasher.combine(storage.values)")
    out.line("  }")
    out.line()
    out.line("  fileprivate struct Values: Sendable, Hashable {")
    for property in properties {
      let type = try PrimitiveType.forSpec(property.type)
      out.line("    var \(Names.identifier(property.name)): \(type.swiftType)? = nil")
    }
    out.line("    var nonUTF8 = AMQPNonUTF8ShortStrings()")
    out.line("  }")
    out.line()
    out.line("  fileprivate final class Storage: Sendable {")
    out.line("    let values: Values")
    out.line()
    out.line("    init(_ values: Values) {")
    out.line("      self.values = values")
    out.line("    }")
    out.line("  }")
    out.line()
    out.line("  /// Decodes the property-flags word and the properties it announces.")
    out.line("  package init(from reader: inout AMQPReader) throws(AMQPProtocolError) {")
    out.line("    let flags = try reader.readAMQPShort()")
    let unused = (0..<16).filter { $0 >= 16 - properties.count ? false : true }
    let unusedMask = unused.reduce(0) { $0 | (1 << $1) }
    out.line("    guard flags & \(unusedMask) == 0 else {")
    out.line("      throw AMQPProtocolError(")
    out.line("        code: .invalidContentHeader,")
    out.line(
      "        message: \"property flags 0x\\(String(flags, radix: 16)) set undefined bits\")")
    out.line("    }")
    out.line("    var values = Values()")
    for (offset, property) in properties.enumerated() {
      let type = try PrimitiveType.forSpec(property.type)
      let bit = 1 << (15 - offset)
      let reader =
        property.type == "shortstr"
        ? "readAMQPShortString(flag: \(bit), nonUTF8: &values.nonUTF8)" : type.reader
      out.line(
        "    values.\(Names.member(property.name)) = flags & \(bit) != 0 ? try reader.\(reader) : nil"
      )
    }
    out.line("    storage = Storage(values)")
    out.line("  }")
    out.line()
    out.line("  /// The encoded size of the flags word and the present properties, in bytes.")
    out.line("  public var encodedSize: Int {")
    out.line("    var size = 2")
    out.line("    let nonUTF8 = storage.values.nonUTF8")
    for (offset, property) in properties.enumerated() {
      let type = try PrimitiveType.forSpec(property.type)
      let name = Names.identifier(property.name)
      if property.type == "shortstr" {
        out.line(
          "    if let \(name) { size += nonUTF8.size(flag: \(1 << (15 - offset)), value: \(name)) }"
        )
      } else if type.isVariableSize {
        out.line("    if let \(name) { size += \(type.size(name)) }")
      } else {
        out.line("    if \(Names.member(property.name)) != nil { size += \(type.size) }")
      }
    }
    out.line("    return size")
    out.line("  }")
    out.line()
    out.line(
      "  /// The first short-string property or `headers` key longer than 255 bytes, if any:")
    out.line("  /// such properties cannot be encoded as given (``AMQPOversizedShortString``).")
    out.line("  public var oversizedShortString: AMQPOversizedShortString? {")
    for (offset, property) in properties.enumerated()
    where ["shortstr", "table"].contains(property.type) {
      let member = Names.member(property.name)
      // A short string received as bytes that are not UTF-8 is sent as those bytes.
      let exact =
        property.type == "shortstr"
        ? "exactBytes: storage.values.nonUTF8[flag: \(1 << (15 - offset))], " : ""
      out.line(
        "    if let value = storage.values.\(member), "
          + "let found = AMQPOversizedShortString.check(value, \(exact)\"\(property.name)\") { return found }"
      )
    }
    out.line("    return nil")
    out.line("  }")
    out.line()
    out.line("  /// Encodes the property-flags word followed by the present properties.")
    out.line("  package func encode(into writer: inout AMQPWriter) {")
    out.line("    var flags: UInt16 = 0")
    for (offset, property) in properties.enumerated() {
      out.line("    if \(Names.member(property.name)) != nil { flags |= \(1 << (15 - offset)) }")
    }
    out.line("    writer.writeInteger(flags)")
    out.line("    let nonUTF8 = storage.values.nonUTF8")
    for (offset, property) in properties.enumerated() {
      let type = try PrimitiveType.forSpec(property.type)
      let name = Names.identifier(property.name)
      if property.type == "shortstr" {
        out.line(
          "    if let \(name) { nonUTF8.write(flag: \(1 << (15 - offset)), value: \(name), into: &writer) }"
        )
      } else {
        out.line("    if let \(name) { writer.\(type.write(name)) }")
      }
    }
    out.line("  }")
    out.line("}")
    return out.text
  }
}
