/// Emits a test fixture: one instance of every method with distinct, non-default argument
/// values, so that the round-trip test covers every generated coder and every bit position.
struct SampleEmitter {
  let spec: Spec
  var out = CodeWriter()

  init(spec: Spec) { self.spec = spec }

  mutating func emit() throws -> String {
    out.header()
    out.line("import AMQPProtocol")
    out.line()
    out.line("/// One instance of every AMQP method, with distinct argument values.")
    out.line("let everyMethodSample: [AMQPMethod] = [")
    var counter = 0
    for specClass in spec.classes {
      for method in specClass.methods {
        let visible = method.fields.filter { !$0.reserved }
        let arguments = try visible.map { field -> String in
          counter += 1
          return "\(Names.member(field.name)): \(try sample(field.type, counter))"
        }
        let caseName = Names.lowerCamel(specClass.name) + Names.upperCamel(method.name)
        out.line("  .\(caseName)(.init(\(arguments.joined(separator: ", ")))),")
      }
    }
    out.line("]")
    return out.text
  }

  private func sample(_ type: String, _ counter: Int) throws -> String {
    switch type {
    case "bit": counter % 3 == 0 ? "false" : "true"
    case "octet": "\(counter % 250 + 1)"
    case "short": "\(counter * 257)"
    case "long": "\(counter * 65_537)"
    case "longlong", "timestamp": "\(UInt64(counter) * 4_294_967_311)"
    case "shortstr": "\"short-\(counter)\""
    case "longstr": "\"long-\(counter) \\u{00e9}\""
    case "table": "[\"key-\(counter)\": .int64(\(counter)), \"nested\": .table([\"s\": \"v\"])]"
    default: throw GeneratorError("no sample for type \(type)")
    }
  }
}
