/// Emits `AMQPMethod+Generated.swift`: one struct per method, the `AMQPMethod` enum, and the
/// decode/encode switch.
struct MethodEmitter {
  let spec: Spec
  var out = CodeWriter()

  init(spec: Spec) { self.spec = spec }

  mutating func emit() throws -> String {
    out.header()
    out.line("import NIOCore")
    out.line()
    try emitEnum()
    for specClass in spec.classes {
      out.line()
      out.line("extension AMQPMethod {")
      out.line("  /// Methods of the `\(specClass.name)` class (\(specClass.index)).")
      out.line("  public enum \(Names.upperCamel(specClass.name)) {}")
      out.line("}")
      for method in specClass.methods {
        out.line()
        try emitStruct(specClass, method)
      }
    }
    return out.text
  }

  private func caseName(_ specClass: SpecClass, _ method: SpecMethod) -> String {
    Names.lowerCamel(specClass.name) + Names.upperCamel(method.name)
  }

  private func typeName(_ specClass: SpecClass, _ method: SpecMethod) -> String {
    "\(Names.upperCamel(specClass.name)).\(Names.upperCamel(method.name))"
  }

  private var allMethods: [(SpecClass, SpecMethod)] {
    spec.classes.flatMap { specClass in specClass.methods.map { (specClass, $0) } }
  }

  private mutating func emitEnum() throws {
    out.line("/// Every method of AMQP 0-9-1 with RabbitMQ's extensions.")
    out.line("public enum AMQPMethod: Sendable, Hashable {")
    for (specClass, method) in allMethods {
      out.line("  /// `\(specClass.name).\(method.name)`")
      out.line("  case \(caseName(specClass, method))(\(typeName(specClass, method)))")
    }
    out.line()
    emitSwitchProperty("/// The class id.", "classID", "UInt16") { specClass, _ in
      "\(specClass.index)"
    }
    emitSwitchProperty("/// The method id within its class.", "methodID", "UInt16") { _, method in
      "\(method.index)"
    }
    emitSwitchProperty("/// The spec name, such as `basic.publish`.", "name", "String") {
      specClass, method in "\"\(specClass.name).\(method.name)\""
    }
    emitSwitchProperty(
      "/// Whether content (a header and body frames) follows this method.", "hasContent", "Bool"
    ) { _, method in "\(method.hasContent)" }
    emitSwitchProperty(
      "/// The class and method ids of the replies the peer answers this method with.",
      "responseIDs", "[AMQPMethodID]"
    ) { specClass, method in
      let ids = method.responses.compactMap { response in
        specClass.methods.first { $0.name == response }.map {
          "AMQPMethodID(classID: \(specClass.index), methodID: \($0.index))"
        }
      }
      return "[\(ids.joined(separator: ", "))]"
    }

    emitExpectsReply()

    emitOversizedShortString()

    out.line("  /// Decodes a method frame payload: class id, method id and arguments.")
    out.line("  package static func decode(")
    out.line("    from reader: inout AMQPReader")
    out.line("  ) throws(AMQPProtocolError) -> AMQPMethod {")
    out.line("    let classID = try reader.readAMQPShort()")
    out.line("    let methodID = try reader.readAMQPShort()")
    out.line("    do throws(AMQPProtocolError) {")
    out.line("      switch (classID, methodID) {")
    for (specClass, method) in allMethods {
      out.line("      case (\(specClass.index), \(method.index)):")
      out.line(
        "        return .\(caseName(specClass, method))(try \(typeName(specClass, method))(from: &reader))"
      )
    }
    out.line("      default:")
    out.line("        throw AMQPProtocolError(")
    out.line(
      "          code: .unknownMethod, message: \"unknown method \\(classID).\\(methodID)\",")
    out.line("          classID: classID, methodID: methodID)")
    out.line("      }")
    out.line("    } catch {")
    out.line("      throw error.inMethod(classID: classID, methodID: methodID)")
    out.line("    }")
    out.line("  }")
    out.line()
    out.line("  /// The encoded size of class id, method id and arguments, in bytes.")
    out.line("  public var encodedSize: Int {")
    out.line("    switch self {")
    for (specClass, method) in allMethods {
      out.line("    case .\(caseName(specClass, method))(let method): 4 + method.encodedSize")
    }
    out.line("    }")
    out.line("  }")
    out.line()
    out.line("  /// Encodes class id, method id and arguments.")
    out.line("  package func encode(into writer: inout AMQPWriter) {")
    out.line("    writer.writeInteger(classID)")
    out.line("    writer.writeInteger(methodID)")
    out.line("    switch self {")
    for (specClass, method) in allMethods {
      out.line("    case .\(caseName(specClass, method))(let method): method.encode(into: &writer)")
    }
    out.line("    }")
    out.line("  }")
    out.line("}")
  }

  /// `oversizedShortString`: the first short string or table key over 255 bytes.
  private mutating func emitOversizedShortString() {
    out.line(
      "  /// The first short-string argument or table key longer than 255 bytes, if any: such")
    out.line("  /// a method cannot be encoded as given (``AMQPOversizedShortString``).")
    out.line("  public var oversizedShortString: AMQPOversizedShortString? {")
    out.line("    switch self {")
    for (specClass, method) in allMethods {
      if Self.shortStringChecks(specClass, method) != nil {
        out.line(
          "    case .\(caseName(specClass, method))(let method): method.oversizedShortString")
      } else {
        out.line("    case .\(caseName(specClass, method)): nil")
      }
    }
    out.line("    }")
    out.line("  }")
    out.line()
  }

  /// `expectsReply`: the spec marks the method synchronous and names its reply, and its
  /// no-wait bit (`no-wait`, or `nowait` in confirm.select), if it has one, is clear — the
  /// rule of amqp091-go's `wait()` (spec091.go) and of pika's reply acceptors.
  private mutating func emitExpectsReply() {
    out.line("  /// Whether the peer answers this method, so that the sender waits for the reply:")
    out.line("  /// the spec marks it synchronous and names its reply, and its no-wait argument,")
    out.line("  /// when it has one, is false. Replies themselves (`*-ok`) and asynchronous")
    out.line("  /// methods (`basic.publish`, `basic.ack`…) expect none.")
    out.line("  public var expectsReply: Bool {")
    out.line("    switch self {")
    for (specClass, method) in allMethods {
      let answered = method.synchronous && !method.responses.isEmpty
      let noWait = method.fields.first { !$0.reserved && Names.member($0.name) == "noWait" }
      if answered, let noWait {
        out.line(
          "    case .\(caseName(specClass, method))(let method): !method.\(Names.member(noWait.name))"
        )
      } else {
        out.line("    case .\(caseName(specClass, method)): \(answered)")
      }
    }
    out.line("    }")
    out.line("  }")
    out.line()
  }

  private mutating func emitSwitchProperty(
    _ doc: String, _ name: String, _ type: String,
    value: ((SpecClass, SpecMethod)) -> String
  ) {
    out.line("  \(doc)")
    out.line("  public var \(name): \(type) {")
    out.line("    switch self {")
    for (specClass, method) in allMethods {
      out.line("    case .\(caseName(specClass, method)): \(value((specClass, method)))")
    }
    out.line("    }")
    out.line("  }")
    out.line()
  }

  private mutating func emitStruct(_ specClass: SpecClass, _ method: SpecMethod) throws {
    let visible = method.fields.filter { !$0.reserved }
    out.line("extension AMQPMethod.\(Names.upperCamel(specClass.name)) {")
    out.line("  /// `\(specClass.name).\(method.name)` (\(specClass.index).\(method.index)).")
    out.line("  public struct \(Names.upperCamel(method.name)): Sendable, Hashable {")
    for field in visible {
      let type = try PrimitiveType.forSpec(field.type)
      out.line("    public var \(Names.identifier(field.name)): \(type.swiftType)")
    }
    if !visible.isEmpty { out.line() }
    // Memberwise initialiser with defaults.
    if visible.isEmpty {
      out.line("    public init() {}")
    } else {
      out.line("    public init(")
      for (offset, field) in visible.enumerated() {
        let type = try PrimitiveType.forSpec(field.type)
        let comma = offset == visible.count - 1 ? "" : ","
        out.line(
          "      \(Names.identifier(field.name)): \(type.swiftType) = \(type.defaultValue)\(comma)")
      }
      out.line("    ) {")
      for field in visible {
        out.line("      self.\(Names.member(field.name)) = \(Names.identifier(field.name))")
      }
      out.line("    }")
    }
    out.line()
    try emitDecoder(method.fields)
    out.line()
    try emitEncoder(method.fields)
    if let checks = Self.shortStringChecks(specClass, method) {
      out.line()
      out.line("    /// The first short-string argument or table key too long to encode, if any.")
      out.line("    public var oversizedShortString: AMQPOversizedShortString? {")
      out.line("      \(checks.joined(separator: "\n        ?? "))")
      out.line("    }")
    }
    out.line("  }")
    out.line("}")
  }

  /// The checks of a method's short strings and table keys against the 255-byte limit, or
  /// `nil` when it has none.
  private static func shortStringChecks(_ specClass: SpecClass, _ method: SpecMethod)
    -> [String]?
  {
    let checks = method.fields.filter { !$0.reserved && ["shortstr", "table"].contains($0.type) }
      .map { field in
        "AMQPOversizedShortString.check(\(Names.member(field.name)), "
          + "\"\(field.name) of \(specClass.name).\(method.name)\")"
      }
    return checks.isEmpty ? nil : checks
  }

  /// A method's arguments in wire order: single fields, and octets holding up to eight
  /// consecutive bit fields (lowest bit first).
  private enum Slot {
    case field(SpecField)
    case bits(octet: Int, [SpecField])
  }

  private static func slots(_ fields: [SpecField]) -> [Slot] {
    var slots: [Slot] = []
    var octets = 0
    for field in fields {
      if field.type == "bit", case .bits(let octet, let run) = slots.last, run.count < 8 {
        slots[slots.count - 1] = .bits(octet: octet, run + [field])
      } else if field.type == "bit" {
        slots.append(.bits(octet: octets, [field]))
        octets += 1
      } else {
        slots.append(.field(field))
      }
    }
    return slots
  }

  private mutating func emitDecoder(_ fields: [SpecField]) throws {
    out.line(
      "    init(from \(fields.isEmpty ? "_" : "reader"): inout AMQPReader) throws(AMQPProtocolError) {"
    )
    for slot in Self.slots(fields) {
      switch slot {
      case .bits(let octet, let run):
        let bits = "bits\(octet == 0 ? "" : String(octet))"
        let used = run.contains { !$0.reserved }
        out.line("      \(used ? "let \(bits) =" : "_ =") try reader.readAMQPOctet()")
        for (bit, bitField) in run.enumerated() where !bitField.reserved {
          out.line("      self.\(Names.member(bitField.name)) = \(bits) & \(1 << bit) != 0")
        }
      case .field(let field):
        let type = try PrimitiveType.forSpec(field.type)
        if field.reserved {
          out.line("      _ = try reader.\(type.reader)")
        } else {
          out.line("      self.\(Names.member(field.name)) = try reader.\(type.reader)")
        }
      }
    }
    if fields.isEmpty { out.line("      // No arguments.") }
    out.line("    }")
  }

  private mutating func emitEncoder(_ fields: [SpecField]) throws {
    var fixed = 0
    var variable: [String] = []
    for slot in Self.slots(fields) {
      switch slot {
      case .bits: fixed += 1
      case .field(let field):
        let type = try PrimitiveType.forSpec(field.type)
        if !type.isVariableSize {
          fixed += Int(type.size) ?? 0
        } else if field.reserved {
          variable.append(type.size(reservedValue(type)))
        } else {
          variable.append(type.size("self." + Names.member(field.name)))
        }
      }
    }
    let size = ([String(fixed)] + variable).joined(separator: " + ")
    out.line("    var encodedSize: Int { \(size) }")
    out.line()
    out.line("    func encode(into \(fields.isEmpty ? "_" : "writer"): inout AMQPWriter) {")
    for slot in Self.slots(fields) {
      switch slot {
      case .bits(_, let run):
        let terms = run.enumerated().filter { !$0.element.reserved }.map {
          "(self.\(Names.member($0.element.name)) ? \(1 << $0.offset) : 0)"
        }
        out.line(
          "      writer.writeInteger(UInt8(\(terms.isEmpty ? "0" : terms.joined(separator: " | "))))"
        )
      case .field(let field):
        let type = try PrimitiveType.forSpec(field.type)
        if field.reserved {
          out.line("      writer.\(type.write(reservedValue(type)))")
        } else {
          out.line("      writer.\(type.write("self." + Names.member(field.name)))")
        }
      }
    }
    if fields.isEmpty { out.line("      // No arguments.") }
    out.line("    }")
  }

  private func reservedValue(_ type: PrimitiveType) -> String {
    switch type.swiftType {
    case "String": "\"\""
    case "AMQPFieldTable": "AMQPFieldTable()"
    default: "\(type.swiftType)(0)"
    }
  }
}
